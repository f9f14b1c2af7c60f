#!/usr/bin/env bash
# GPU checks for a lent GPU machine (PREPARED; run it only where the task has a device):
#   1. learner samples/s on one GPU at batch 4096 (T=32 x B=128), 1 rank vs 2 NCCL ranks;
#   2. the same with two ranks on the one GPU made to look like two hosts (NCCL refuses two
#      ranks on one GPU otherwise: distinct NCCL_HOSTID, no P2P/SHM).
# The CUDA build's bench binary is built here (SPUR_CUDA=1 ./spur build) and carried, with the
# Debian libraries it needs (bench/gpu_carry.sh collects them into gpu-carry/); the machine's
# own torch 2.11.0+cu130 (same wheel as .venv-cuda) provides LibTorch, CUDA and NCCL.
#   run: bash bench/gpu_check.sh   (carry: gpu-carry)     ~2 min
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd); OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
PY=${PY:-$(command -v python3)}
[ -x /opt/torch/.venv/bin/python ] && PY=/opt/torch/.venv/bin/python
TORCH=$("$PY" -c 'import os, torch; print(os.path.dirname(torch.__file__))') || { echo "no torch for $PY"; exit 1; }
SITE=$(dirname "$TORCH")
"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "nccl", torch.cuda.nccl.version(), "gpus", torch.cuda.device_count())' | tee "$OUT/versions.txt"
nvidia-smi --query-gpu=name,memory.total --format=csv | tee -a "$OUT/versions.txt"
export LD_LIBRARY_PATH="$HERE/gpu-carry/lib:$TORCH/lib:$SITE/nvidia/cu13/lib:$SITE/nvidia/nccl/lib:$SITE/nvidia/cudnn/lib:${LD_LIBRARY_PATH:-}"
BENCH="$HERE/gpu-carry/bench_learner_scaling"
ldd "$BENCH" | grep "not found" && { echo "missing libraries"; exit 1; }
echo "### 1 rank vs 2 NCCL ranks on GPU 0, batch 4096 per rank (ranks as two hosts)"
NCCL_P2P_DISABLE=1 NCCL_SHM_DISABLE=1 NCCL_DEBUG=WARN \
  timeout 300 "$BENCH" --device cuda --separate-hosts -T 32 -B 128 --steps 20 --cores 16 2>&1 | tee "$OUT/learner_scaling_gpu.txt"
