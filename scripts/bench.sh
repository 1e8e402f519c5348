#!/usr/bin/env bash
# Runs each benchmark under scripts/bench/ with the release build; results go to stdout (see BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export TBD_BIN_DIR="${TBD_BIN_DIR:-$(swift build -c release --show-bin-path)}"
shopt -s nullglob
for bench in scripts/bench/*.sh; do
  echo
  echo "=== $(basename "$bench" .sh) ==="
  bash "$bench"
done
