#!/usr/bin/env bash
# Collects what bench/gpu_check.sh needs on a GPU machine into gpu-carry/ (git-ignored; name it
# in the device run's `carry`): the CUDA build's bench_learner_scaling and the Debian shared
# libraries it links (ZeroMQ, yaml-cpp, spdlog, fmt, ...), not LibTorch/CUDA/NCCL (the machine's
# torch 2.11.0 wheel has those) and not glibc.
#   SPUR_CUDA=1 ./spur build && bash bench/gpu_carry.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/build-cuda/bench/bench_learner_scaling"
[ -x "$BIN" ] || { echo "build it first: SPUR_CUDA=1 ./spur build" >&2; exit 1; }
rm -rf "$ROOT/gpu-carry"; mkdir -p "$ROOT/gpu-carry/lib"
cp "$BIN" "$ROOT/gpu-carry/"
ldd "$BIN" | awk '/=> \//{print $3}' | grep -vE '/(\.venv-cuda|nvidia)/|/torch/lib/|/lib(c|m|dl|rt|pthread)\.so|ld-linux' \
  | while read -r lib; do cp -L "$lib" "$ROOT/gpu-carry/lib/"; done
du -sh "$ROOT/gpu-carry"
