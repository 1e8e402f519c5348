#!/usr/bin/env bash
# Review queue: claim-next, filtered list, one redraw and whole key presses, on a 1,000-annotation database
# (the baseline) and a 100,000-annotation one, side by side. Results: BENCHMARKS.md, "## Review queue".
set -euo pipefail
TBD="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin folder}/tbd"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for items in 1000 100000; do
  echo "--- $items annotations"
  "$TBD" review bench --db "$work/review-$items.sqlite" --items "$items" --runs 500
done
