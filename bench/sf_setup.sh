#!/usr/bin/env bash
# Creates bench/.venv-sf for bench/train_nethack's sample-factory comparison from the pinned
# bench/requirements-sf.txt; does nothing when the venv already matches it. Never run by CI.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VENV="$HERE/.venv-sf"
REQ="$HERE/requirements-sf.txt"
STAMP="$VENV/.spur-requirements"
if [ -f "$STAMP" ] && cmp -s "$STAMP" "$REQ"; then exit 0; fi
PY=${SPUR_BENCH_SF_PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
echo "bench: creating $VENV with sample-factory 2.1.1 (downloads ~3 GB the first time)" >&2
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --no-deps -r "$REQ"
cp "$REQ" "$STAMP"
