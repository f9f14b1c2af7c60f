// ALFWorld's text grammar reader (TextGrammar::parse: the .twl2 document of a game file,
// its rules, symbols, expressions and queries, with the check that every #symbol# has a
// rule) over arbitrary text, then compile() of the input's first line as a text.
#include "envs/alfworld/text_grammar.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const auto text = spur::fuzz::asText(data, size);
  try {
    const auto grammar = spur::alfworld::TextGrammar::parse(text, "fuzz: grammar");
    (void)grammar.action("take");
    (void)grammar.compile(text.substr(0, text.find('\n')), "fuzz: text");
  } catch (const spur::Error&) {
  }
  return 0;
}
