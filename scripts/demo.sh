#!/usr/bin/env bash
# The main job on embedded defaults: runs each step under scripts/demo/ in order with the debug build of tbd.
set -euo pipefail
cd "$(dirname "$0")/.."
export TBD="${TBD:-$(swift build --show-bin-path)/tbd}"
shopt -s nullglob
for step in scripts/demo/*.sh; do
  echo
  echo "=== $(basename "$step" .sh) ==="
  bash "$step"
done
