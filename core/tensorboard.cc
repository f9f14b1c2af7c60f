#include "core/tensorboard.h"

#include <fcntl.h>
#include <isa-l/crc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "core/status.h"

namespace spur {

uint32_t crc32c(const void* data, std::size_t size) {
  // ISA-L's iSCSI CRC is CRC-32C without the final inversion.
  uint32_t crc = 0xFFFFFFFFu;
  const auto* p = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const int chunk = static_cast<int>(std::min<std::size_t>(size, 1 << 30));
    crc = crc32_iscsi(const_cast<unsigned char*>(p), chunk, crc);
    p += chunk;
    size -= static_cast<std::size_t>(chunk);
  }
  return ~crc;
}

uint32_t maskedCrc32c(const void* data, std::size_t size) {
  const uint32_t c = crc32c(data, size);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

namespace tensorboard {
namespace {

// Protobuf wire format, only what Event needs.
void varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void tag(std::string& out, int field, int wire) { varint(out, static_cast<uint64_t>(field << 3 | wire)); }
void fixed64(std::string& out, double v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}
void fixed32(std::string& out, float v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}
void bytesField(std::string& out, int field, std::string_view bytes) {
  tag(out, field, 2);
  varint(out, bytes.size());
  out.append(bytes);
}

std::string eventHeader(double wall_time, int64_t step) {
  std::string e;
  tag(e, 1, 1);  // wall_time
  fixed64(e, wall_time);
  if (step != 0) {
    tag(e, 2, 0);  // step
    varint(e, static_cast<uint64_t>(step));
  }
  return e;
}

std::string summaryEvent(double wall_time, int64_t step, const std::string& value) {
  std::string summary;
  bytesField(summary, 1, value);  // Summary.value
  std::string e = eventHeader(wall_time, step);
  bytesField(e, 5, summary);  // Event.summary
  return e;
}

}  // namespace

std::string versionEvent(double wall_time) {
  std::string e = eventHeader(wall_time, 0);
  bytesField(e, 3, "brain.Event:2");
  return e;
}

std::string scalarEvent(double wall_time, int64_t step, std::string_view name, float value) {
  std::string v;
  bytesField(v, 1, name);  // Value.tag
  tag(v, 2, 5);            // Value.simple_value
  fixed32(v, value);
  return summaryEvent(wall_time, step, v);
}

std::string textEvent(double wall_time, int64_t step, std::string_view name, std::string_view text) {
  std::string plugin;
  bytesField(plugin, 1, "text");  // PluginData.plugin_name; content: TextPluginData v0 = empty
  std::string metadata;
  bytesField(metadata, 1, plugin);  // SummaryMetadata.plugin_data
  std::string tensor;
  tag(tensor, 1, 0);  // dtype = DT_STRING
  varint(tensor, 7);
  bytesField(tensor, 2, "");    // tensor_shape: scalar
  bytesField(tensor, 8, text);  // string_val
  std::string v;
  bytesField(v, 1, name);
  bytesField(v, 9, metadata);
  bytesField(v, 8, tensor);
  return summaryEvent(wall_time, step, v);
}

std::string record(std::string_view event) {
  std::string r;
  const uint64_t len = event.size();
  char len_bytes[8];
  std::memcpy(len_bytes, &len, 8);  // little-endian hosts only (x86_64, aarch64)
  r.append(len_bytes, 8);
  const uint32_t len_crc = maskedCrc32c(len_bytes, 8);
  r.append(reinterpret_cast<const char*>(&len_crc), 4);
  r.append(event);
  const uint32_t data_crc = maskedCrc32c(event.data(), event.size());
  r.append(reinterpret_cast<const char*>(&data_crc), 4);
  return r;
}

}  // namespace tensorboard

namespace {
double nowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

TensorBoardWriter::TensorBoardWriter(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  const auto secs = static_cast<long long>(nowSeconds());
  // The pid and a per-process counter keep files of quick restarts apart.
  static int counter = 0;
  char name[512];
  std::snprintf(name, sizeof name, "events.out.tfevents.%010lld.%s.%d.%d.spur", secs, host, getpid(), counter++);
  path_ = (std::filesystem::path(dir) / name).string();
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(StatusCode::kInvalidArgument, "cannot create TensorBoard file " + path_ + ": " + std::strerror(errno));
  write(tensorboard::versionEvent(nowSeconds()));
  flush();
}

TensorBoardWriter::~TensorBoardWriter() {
  if (fd_ < 0) return;
  flush();
  ::close(fd_);
}

namespace {
constexpr std::size_t kAutoFlushBytes = 64 << 10;   // like stdio's buffering, in whole records
constexpr std::size_t kMaxPendingBytes = 8 << 20;   // what a long disk-full spell may hold back
}  // namespace

void TensorBoardWriter::write(const std::string& event) {
  const std::string r = tensorboard::record(event);
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.size() + r.size() > kMaxPendingBytes) {
    ++dropped_;
    return;
  }
  pending_ += r;
  if (pending_.size() >= kAutoFlushBytes) flushLocked();
}

void TensorBoardWriter::scalar(std::string_view tag, double value, int64_t step) {
  write(tensorboard::scalarEvent(nowSeconds(), step, tag, static_cast<float>(value)));
}

void TensorBoardWriter::text(std::string_view tag, std::string_view text, int64_t step) {
  write(tensorboard::textEvent(nowSeconds(), step, tag, text));
}

void TensorBoardWriter::flush() {
  std::lock_guard<std::mutex> lock(mu_);
  flushLocked();
}

int64_t TensorBoardWriter::droppedRecords() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

// A record cut short by a failed write would end the file for every reader (TensorBoard
// stops at the first bad CRC), and records appended after it would never be seen. So the
// file is cut back to its last whole record and the records wait for the next flush.
void TensorBoardWriter::flushLocked() {
  std::size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t n = ::pwrite(fd_, pending_.data() + done, pending_.size() - done, static_cast<off_t>(file_size_ + static_cast<int64_t>(done)));
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const int err = n < 0 ? errno : ENOSPC;
    if (::ftruncate(fd_, static_cast<off_t>(file_size_)) != 0 && !warned_) {
      warned_ = true;
      spdlog::warn("TensorBoard {}: cannot cut back a partial write: {}", path_, std::strerror(errno));
    }
    if (!warned_) {
      warned_ = true;
      spdlog::warn("TensorBoard {}: write failed ({}); records are kept and written when the disk takes them", path_, std::strerror(err));
    }
    return;
  }
  file_size_ += static_cast<int64_t>(done);
  pending_.clear();
  warned_ = false;
}

}  // namespace spur
