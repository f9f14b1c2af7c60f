// TensorBoardWriter: writes TensorBoard event files (TFRecord framing of Event protobufs,
// masked CRC-32C), readable by `tensorboard --logdir`. The protobuf encoding is spur's own
// (see shared/docs/refs/tensorboard.md); CRC-32C comes from ISA-L.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
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
  // Pushes buffered records to the OS. The file only ever holds whole records: when the
  // OS takes part of a write (disk full, file size limit), the file is cut back to its last
  // whole record and the records stay buffered for the next flush (at most 8 MiB of them;
  // beyond that new records are dropped and counted). Never throws for a failed write.
  void flush();
  const std::string& path() const { return path_; }
  // Records given up because the buffer was full while writes failed.
  int64_t droppedRecords() const;

 private:
  void write(const std::string& event);
  void flushLocked();
  mutable std::mutex mu_;
  std::string path_;
  int fd_ = -1;
  std::string pending_;      // whole records not yet written
  int64_t file_size_ = 0;    // bytes of whole records in the file
  int64_t dropped_ = 0;
  bool warned_ = false;
};

}  // namespace spur
