// Helpers shared by the fuzz targets (fuzz/*_fuzz.cc): the input as text, as a received
// Cap'n Proto message, as a file for decoders that read files, and as a stream of small
// values for targets that build structured input. Each target is one process and runs
// inputs one after another on one thread; nothing here is thread-safe.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "core/transport.h"

namespace spur::fuzz {

inline std::string_view asText(const uint8_t* data, std::size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// The bytes as the frame a socket would have received (unparsed).
inline ReceivedMessage asMessage(const uint8_t* data, std::size_t size) { return ReceivedMessage(zmq::message_t(data, size)); }

// A folder of this process's own under $TMPDIR (default /tmp), created on first use and
// removed at exit.
inline const std::filesystem::path& scratchDir() {
  // Never destroyed: the atexit handler that removes it runs after static destructors.
  static const std::filesystem::path* dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    auto* d = new std::filesystem::path(std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("spur-fuzz-" + std::to_string(getpid())));
    std::filesystem::create_directories(*d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratchDir(), ec);
    });
    return d;
  }();
  return *dir;
}

// Writes `bytes` to scratchDir()/name (replacing it) and returns the path.
inline std::string writeScratchFile(const std::string& name, std::string_view bytes) {
  const std::string path = (scratchDir() / name).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) std::abort();
  std::fclose(f);
  return path;
}

// Reads small values off the front of the input; past its end every read gives 0 or "".
class ByteReader {
 public:
  ByteReader(const uint8_t* data, std::size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ == end_; }
  uint8_t byte() { return p_ == end_ ? 0 : *p_++; }
  int64_t int64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
    return static_cast<int64_t>(v);
  }
  // Bytes up to the next `end` byte (consumed, not returned) or the end of the input.
  std::string until(char end) {
    const auto* stop = static_cast<const uint8_t*>(std::memchr(p_, static_cast<unsigned char>(end), static_cast<std::size_t>(end_ - p_)));
    std::string s(reinterpret_cast<const char*>(p_), static_cast<std::size_t>((stop ? stop : end_) - p_));
    p_ = stop ? stop + 1 : end_;
    return s;
  }
  // Every byte left, NULs included.
  std::string rest() {
    std::string s(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(end_ - p_));
    p_ = end_;
    return s;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace spur::fuzz

// Aborts (a crash libFuzzer records) when a property the decoder promises does not hold.
#define SPUR_FUZZ_EXPECT(cond)                                                              \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)
