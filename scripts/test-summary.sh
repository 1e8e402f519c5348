#!/usr/bin/env bash
# Prints the XCTest totals of a `swift test` log as one closing line: "tests: N passed, N failed, N skipped".
# Exits non-zero when the log has no totals (no test ran) or a test failed.
set -euo pipefail
totals=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with" "$1" | tail -n 1 || true)
if [ -z "$totals" ]; then
  echo "tests: no test totals found in $1" >&2
  exit 1
fi
executed=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$totals")
failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/;s/.*and ([0-9]+) failures?.*/\1/' <<<"$totals")
skipped=0
if grep -q "skipped" <<<"$totals"; then skipped=$(sed -E 's/.*with ([0-9]+) tests? skipped.*/\1/' <<<"$totals"); fi
echo
echo "tests: $((executed - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
