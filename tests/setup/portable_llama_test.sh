#!/usr/bin/env bash
# The llama.cpp that pip compiled into the venv must run on any x86-64 machine with AVX2:
# no AMX tile instructions (a VM that advertises AMX but cannot run it died with a general
# protection fault at ldtilecfg) and no AVX-512 (zmm) code. See requirements/python-source.txt.
set -euo pipefail
python="$1"
libdir=$("$python" -c 'import llama_cpp, os; print(os.path.join(os.path.dirname(llama_cpp.__file__), "lib"))')
shopt -s nullglob
libs=("$libdir"/libggml*.so "$libdir"/libllama.so)
[ ${#libs[@]} -gt 0 ] || { echo "no llama.cpp libraries under $libdir"; exit 1; }
bad=0
for lib in "${libs[@]}"; do
  n=$(objdump -d --no-show-raw-insn "$lib" | grep -cE 'ldtilecfg|tileloadd|tdpb|%zmm' || true)
  echo "$(basename "$lib"): $n AMX/AVX-512 instructions"
  [ "$n" -eq 0 ] || bad=1
done
n=$(objdump -d --no-show-raw-insn "$libdir/libggml-cpu.so" | grep -c 'vfmadd' || true)
echo "libggml-cpu.so: $n FMA instructions (AVX2/FMA build)"
[ "$n" -gt 0 ] || bad=1
exit $bad
