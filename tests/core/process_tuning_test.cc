#include "core/process_tuning.h"

#include <doctest/doctest.h>

using spur::betterOpenBlasCore;

TEST_CASE("process tuning: OpenBLAS's generic fallback is replaced on an AVX-512 CPU") {
  CHECK(betterOpenBlasCore("Prescott", true, true) == std::optional<std::string>("SkylakeX"));
  CHECK(betterOpenBlasCore("Nehalem", true, true) == std::optional<std::string>("SkylakeX"));
}

TEST_CASE("process tuning: AVX2 without AVX-512 gets the Haswell kernels") {
  CHECK(betterOpenBlasCore("Prescott", true, false) == std::optional<std::string>("Haswell"));
  CHECK(betterOpenBlasCore("Sandybridge", true, false) == std::optional<std::string>("Haswell"));
}

TEST_CASE("process tuning: a core OpenBLAS detected properly is left alone") {
  CHECK_FALSE(betterOpenBlasCore("Haswell", true, false).has_value());
  CHECK_FALSE(betterOpenBlasCore("SkylakeX", true, true).has_value());
  CHECK_FALSE(betterOpenBlasCore("Zen", true, false).has_value());
  CHECK_FALSE(betterOpenBlasCore("SapphireRapids", true, true).has_value());
}

TEST_CASE("process tuning: without AVX2 and FMA the generic kernels stay") {
  CHECK_FALSE(betterOpenBlasCore("Prescott", false, false).has_value());
  CHECK_FALSE(betterOpenBlasCore("Sandybridge", false, false).has_value());
}
