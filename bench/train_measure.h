// Measuring a training run from outside, as a user would: start it in its own process
// group, read frames/s off its progress lines, stop it. Shared by the benchmarks that
// compare training throughput (train_nethack, annotation).
#pragma once

#include <cstdint>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

namespace spur::bench {

struct TrainResult {
  double fps = 0;
  int64_t parameters = 0, macs = 0;
};

// Frames so far: the capture of the last line of `file` matching `re` (-1 if none yet).
int64_t lastFrames(const std::filesystem::path& file, const std::regex& re);

// Runs `args` in its own process group (stdout and stderr to `output`) and measures frames/s
// from the progress lines in `progress_log`: after the first frames and `warmup` seconds,
// from one new line to the first new line `seconds` later. Each line is taken within 0.2 s
// of being written, so the report interval does not blur the rate. Stops the group with
// SIGINT (SIGKILL after 60 s). Parameters and MACs come from the first capture pair of
// `model_re` in the output or the log. Throws spur::Error when the run stops early.
TrainResult measureTraining(const std::vector<std::string>& args, const std::filesystem::path& output, const std::filesystem::path& progress_log,
                            const std::regex& frames_re, const std::regex& model_re, double warmup, double seconds);

}  // namespace spur::bench
