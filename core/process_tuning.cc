#include "core/process_tuning.h"

#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace spur {

std::optional<std::string> betterOpenBlasCore(std::string_view detected_core, bool has_avx2_fma, bool has_avx512) {
  // OpenBLAS's fallbacks for CPUs its table lacks, and cores without AVX2 kernels.
  static constexpr std::array<std::string_view, 7> kGeneric{"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge", "Barcelona"};
  if (!has_avx2_fma) return std::nullopt;
  bool generic = false;
  for (auto g : kGeneric) generic = generic || detected_core == g;
  if (!generic) return std::nullopt;
  return std::string(has_avx512 ? "SkylakeX" : "Haswell");
}

std::string openBlasCore() {
  // Looked up at run time: which BLAS LibTorch loaded is Debian's alternatives' choice.
  using CoreName = char* (*)();
  auto fn = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (fn == nullptr) return "";
  const char* name = fn();
  return name ? std::string(name) : std::string();
}

void reexecIfOpenBlasMisdetectsCpu(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;  // the user's choice, or we already re-executed
  const std::string core = openBlasCore();
  if (core.empty()) return;
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512dq");
  const auto better = betterOpenBlasCore(core, avx2, avx512);
  if (!better) return;
  setenv("OPENBLAS_CORETYPE", better->c_str(), 1);
  // The resolved path, not /proc/self/exe: the process name (ps, top, perf) stays "spur".
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = '\0';
    execv(self, argv);
  }
  // Still here: the re-exec failed; run on with the slower kernels rather than not at all.
  std::fprintf(stderr, "spur: note: OpenBLAS uses its %s kernels; re-executing with OPENBLAS_CORETYPE=%s failed (%s)\n", core.c_str(),
               better->c_str(), std::strerror(errno));
}

void keepLargeBlocksInHeap() {
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

}  // namespace spur
