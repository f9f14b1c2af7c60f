#include "core/tensorboard.h"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/subprocess.h"

namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// Runs `body` (Python) with `a`, TensorBoard's EventAccumulator over `dir`, loaded; returns
// what it prints.
std::string readWithTensorBoard(const std::filesystem::path& dir, const std::string& body) {
  const char* py = std::getenv("SPUR_PYTHON");
  REQUIRE(py != nullptr);
  spur::SubprocessResult out;
  REQUIRE(spur::runSubprocess({py, "-c",
                               "import sys\n"
                               "from tensorboard.backend.event_processing.event_accumulator import EventAccumulator\n"
                               "a = EventAccumulator(sys.argv[1]); a.Reload()\n" + body,
                               dir.string()},
                              &out)
              .isOk());
  CHECK(out.exit_code == 0);
  return out.output;
}

}  // namespace

TEST_CASE("tensorboard: CRC-32C check values") {
  CHECK(spur::crc32c("123456789", 9) == 0xe3069283u);
  const std::string zeros(32, '\0');
  CHECK(spur::crc32c(zeros.data(), zeros.size()) == 0x8a9136aau);
  const std::string v = std::string("\x1a\x11", 2) + "CRC test, one two";
  CHECK(spur::maskedCrc32c(v.data(), v.size()) == 0x5794d08au);
  const char len24[8] = {24, 0, 0, 0, 0, 0, 0, 0};
  CHECK(spur::maskedCrc32c(len24, 8) == 0x224b7fa3u);
}

TEST_CASE("tensorboard: events match the reference bytes") {
  using namespace spur::tensorboard;
  CHECK(hex(versionEvent(1700000000.5)) == "0900002040fc54d9411a0d627261696e2e4576656e743a32");
  CHECK(hex(record(versionEvent(1700000000.5))) ==
        "1800000000000000a37f4b22" "0900002040fc54d9411a0d627261696e2e4576656e743a32" "2b353110");
  const std::string scalar = "0900002040fc54d94110642a140a120a0b7265776172642f6d65616e150000c03f";
  CHECK(hex(scalarEvent(1700000000.5, 100, "reward/mean", 1.5f)) == scalar);
  CHECK(hex(record(scalarEvent(1700000000.5, 100, "reward/mean", 1.5f))) == "2100000000000000017becf6" + scalar + "de8f18b0");
  CHECK(hex(textEvent(1700000000.5, 7, "notes", "hi")) ==
        "0900002040fc54d94110072a1d0a1b0a056e6f7465734a080a060a047465787442080807120042026869");
}

TEST_CASE("tensorboard: the real TensorBoard reader loads scalars and text") {
  const auto dir = std::filesystem::temp_directory_path() / ("spur_tb_test_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  {
    spur::TensorBoardWriter w(dir.string());
    for (int i = 0; i < 5; ++i) w.scalar("reward/mean", 0.5 * i, 1000 * i);
    w.scalar("perf/fps", 1234.0, 4000);
    w.text("config", "run:\n  name: x", 0);
  }
  const std::string out = readWithTensorBoard(dir,
                                             "print(' '.join('%d:%g' % (e.step, e.value) for e in a.Scalars('reward/mean')))\n"
                                             "print(a.Scalars('perf/fps')[0].value)\n"
                                             "print(a.Tensors('config')[0].tensor_proto.string_val[0].decode())\n");
  CHECK(out == "0:0 1000:0.5 2000:1 3000:1.5 4000:2\n1234.0\nrun:\n  name: x\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("tensorboard: a write the disk refuses halfway leaves no torn record; later records still read") {
  const auto dir = std::filesystem::temp_directory_path() / ("spur_tb_full_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  // The file size limit stands in for a full disk: a write past it is cut short (EFBIG).
  struct rlimit old {};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  signal(SIGXFSZ, SIG_IGN);
  {
    spur::TensorBoardWriter w(dir.string());
    for (int i = 0; i < 5; ++i) w.scalar("loss", i, i);
    w.flush();
    const auto size = static_cast<rlim_t>(std::filesystem::file_size(w.path()));
    struct rlimit full = old;
    full.rlim_cur = size + 30;  // room for part of one more record
    REQUIRE(setrlimit(RLIMIT_FSIZE, &full) == 0);
    for (int i = 5; i < 10; ++i) w.scalar("loss", i, i);
    w.flush();
    REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);  // the disk has room again
    for (int i = 10; i < 13; ++i) w.scalar("loss", i, i);
    w.flush();
  }
  signal(SIGXFSZ, SIG_DFL);
  const std::string out = readWithTensorBoard(dir, "print(' '.join('%d' % e.step for e in a.Scalars('loss')))\n");
  CHECK(out == "0 1 2 3 4 5 6 7 8 9 10 11 12\n");
  std::filesystem::remove_all(dir);
}
