#!/usr/bin/env bash
# Builds the TextWorld reference venv (.venv-textworld/ at the repository root) used to record
# golden transcripts (record_transcripts.py) and by `./spur bench env_alfworld`. Run once by
# hand; never by ./spur or CI (Fast Downward compiles from source, ~14 min on 2 cores).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${SPUR_TEXTWORLD_VENV:-$root/.venv-textworld}"
python="${PYTHON:-python3.11}"
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
# fast-downward-textworld has only a source distribution; its build needs CMake >= 3.12 (Debian's
# cmake) and a C++ compiler.
"$venv/bin/python" -m pip install --no-deps -r "$here/requirements.txt"
"$venv/bin/python" -c "import textworld, fast_downward, alfworld; print('textworld', textworld.__version__)"
touch "$venv/.spur-reference-ok"
echo "reference venv ready: $venv"
