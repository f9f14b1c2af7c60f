// The replay driver of a fuzz target without libFuzzer: runs every file of the folders (and
// files) named on the command line through LLVMFuzzerTestOneInput, in name order, once
// each. ctest runs it over tests/fuzz/<target>/ (seed inputs and the crashes fixed so far);
// a crash or sanitizer report fails the test. Hidden files and README* are skipped.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    if (!fs::is_directory(arg)) {
      inputs.push_back(arg);
      continue;
    }
    for (const auto& e : fs::directory_iterator(arg)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file() && name[0] != '.' && name.rfind("README", 0) != 0) inputs.push_back(e.path());
    }
  }
  // Name order: a failing run names the same first input every time.
  std::sort(inputs.begin(), inputs.end());
  for (const auto& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 2;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy of exactly the input's size, so that a read past its end is one a sanitizer sees.
    std::vector<uint8_t> exact(bytes.begin(), bytes.end());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), exact.size());
    LLVMFuzzerTestOneInput(exact.data(), exact.size());
  }
  std::printf("replay: %zu inputs ran\n", inputs.size());
  return inputs.empty() ? 1 : 0;
}
