// TensorBoardWriter: writes TensorBoard event files (TFRecord framing of Event protobufs,
// masked CRC-32C), readable by `tensorboard --logdir`. The protobuf encoding is spur's own
// (see shared/docs/refs/tensorboard.md); CRC-32C comes from ISA-L.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace spur {

// CRC-32C (Castagnoli) and TFRecord's masked form.
uint32_t crc32c(const void* data, std::size_t size);
uint32_t maskedCrc32c(const void* data, std::size_t size);

namespace tensorboard {
// Serialised Event messages and a TFRecord frame around one; exposed for tests.
std::string versionEvent(double wall_time);
std::string scalarEvent(double wall_time, int64_t step, std::string_view tag, float value);
std::string textEvent(double wall_time, int64_t step, std::string_view tag, std::string_view text);
std::string record(std::string_view event);
}  // namespace tensorboard

class TensorBoardWriter {
 public:
  // Creates `dir` if needed and opens a new events.out.tfevents.<time>.<host>.<pid>.spur
  // file in it (a restarted process writes a new file, as TensorBoard expects), starting
  // with the version event. Throws Error when the file cannot be created.
  explicit TensorBoardWriter(const std::string& dir);
  ~TensorBoardWriter();
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  void scalar(std::string_view tag, double value, int64_t step);
  // Markdown text (e.g. the resolved config).
  void text(std::string_view tag, std::string_view text, int64_t step);
  // Pushes buffered records to the OS.
  void flush();
  const std::string& path() const { return path_; }

 private:
  void write(const std::string& event);
  std::mutex mu_;
  std::string path_;
  FILE* file_ = nullptr;
};

}  // namespace spur
