// The experiment YAML (config::loadFromString<SpurConfig>, the decoding config::load does
// for every role) over arbitrary text: the bytes up to the first NUL are the file, each
// further NUL-separated piece a command-line override. A config that decodes must survive
// what `spur train` does with it: encoded and written as the run's config.yaml, that file
// decodes again (a resumed run reads it) to the same YAML.
#include <yaml-cpp/yaml.h>

#include "core/config_text.h"
#include "fuzz/fuzz_util.h"
#include "launch/spur_config.h"

namespace {

std::string emit(const spur::SpurConfig& cfg) {
  YAML::Emitter out;
  out << spur::config::encode(cfg);
  return out.c_str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  spur::fuzz::ByteReader in(data, size);
  const std::string text = in.until('\0');
  std::vector<std::string> overrides;
  while (!in.empty()) overrides.push_back(in.until('\0'));
  spur::SpurConfig cfg;
  try {
    cfg = spur::config::loadFromString<spur::SpurConfig>(text, "fuzz.yaml", overrides);
  } catch (const spur::Error&) {
    return 0;  // refused with a message: what the decoder promises
  }
  const std::string written = emit(cfg);
  spur::SpurConfig again;
  try {
    again = spur::config::loadFromString<spur::SpurConfig>(written, "config.yaml", {});
  } catch (const spur::Error& e) {
    std::fprintf(stderr, "the encoded config does not decode: %s\n--- written:\n%s\n", e.what(), written.c_str());
    SPUR_FUZZ_EXPECT(!"encoded config decodes");
  }
  SPUR_FUZZ_EXPECT(emit(again) == written);
  return 0;
}
