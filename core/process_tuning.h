// Process-wide settings that the training roles need for speed, applied once at start-up.
// No LibTorch here: OpenBLAS is reached through dlsym, so any binary may call these.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spur {

// The OpenBLAS kernel family to ask for (via OPENBLAS_CORETYPE) when OpenBLAS fell back to
// an old generic core on a CPU that has AVX2+FMA: "SkylakeX" with AVX-512 (F, BW, VL, DQ),
// "Haswell" with AVX2+FMA only. nullopt when the detected core is fine or unknown to us.
// (Debian's OpenBLAS 0.3.21 picks "Prescott", the SSE3 kernels, on CPUs it does not know,
// such as virtual Sapphire Rapids: every matrix product then runs 1.3-1.5x slower.)
std::optional<std::string> betterOpenBlasCore(std::string_view detected_core, bool has_avx2_fma, bool has_avx512);

// If the OpenBLAS loaded into this process runs generic kernels on a CPU that supports
// better ones and OPENBLAS_CORETYPE is unset, set it and re-execute this program with the
// same arguments (OpenBLAS reads it only when it is loaded). Returns normally otherwise.
// Call first thing in main(), before any thread exists.
void reexecIfOpenBlasMisdetectsCpu(char** argv);

// The OpenBLAS core in use ("" when no OpenBLAS is loaded), for logs.
std::string openBlasCore();

// Keep large short-lived blocks (unroll messages, training batches, activations) in the
// heap instead of mmap/munmap per allocation: page faults on fresh pages cost 7-20% of
// the actor's and the learner's time. Idempotent.
void keepLargeBlocksInHeap();

}  // namespace spur
