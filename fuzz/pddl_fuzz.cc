// ALFWorld's PDDL reader (parseDomain, parseProblem) and, for a pair, the grounding of the
// problem (GroundTask) over arbitrary text. The first byte picks: 0 a domain, 1 a problem,
// 2 a domain and a problem separated by a NUL byte, grounded together.
#include "envs/alfworld/grounding.h"
#include "envs/alfworld/pddl.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  spur::fuzz::ByteReader in(data + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0: spur::alfworld::parseDomain(in.rest(), "fuzz: pddl_domain"); break;
      case 1: spur::alfworld::parseProblem(in.rest(), "fuzz: pddl_problem"); break;
      default: {
        const auto domain = spur::alfworld::parseDomain(in.until('\0'), "fuzz: pddl_domain");
        const auto problem = spur::alfworld::parseProblem(in.rest(), "fuzz: pddl_problem");
        spur::alfworld::GroundTask task(domain, problem, "fuzz");
        (void)task.objectCount();
      }
    }
  } catch (const spur::Error&) {
  }
  return 0;
}
