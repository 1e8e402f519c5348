#!/usr/bin/env bash
# Reads the log of a `swift test` run (XCTest's output) and prints one closing line:
#   tests: N passed, N failed, N skipped
# It exits non-zero, naming the reason above that line, when
#   - a test failed (tests are counted by their own result lines, so a test with three failed assertions is one),
#   - the run did not finish (no totals line, or a test that started and never ended: a crash),
#   - fewer tests ran (passed or failed; a skipped test did not run) than the minimum in scripts/test-minimum,
#     so a filter that matches nothing, a lost test target or a run where everything skips never reads green,
#   - a test was skipped that scripts/test-skips-allowed does not list with its reason.
#
# usage: test-summary.sh LOG [--minimum N] [--skips-allowed FILE]   (the options replace the files beside this script)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log=${1:?usage: test-summary.sh LOG [--minimum N] [--skips-allowed FILE]}
shift
minimum=$(grep -Ev '^[[:space:]]*(#|$)' "$here/test-minimum" | head -n 1 | tr -d '[:space:]')
minimum_source=scripts/test-minimum
allowlist=$here/test-skips-allowed
while [ $# -gt 0 ]; do
  case $1 in
    --minimum) minimum=$2; minimum_source=--minimum; shift 2 ;;
    --skips-allowed) allowlist=$2; shift 2 ;;
    *) echo "test-summary.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $minimum =~ ^[0-9]+$ ]] || { echo "test-summary.sh: the minimum test count '$minimum' is not a number" >&2; exit 2; }

# The names of the tests whose result line says $1 (passed, failed or skipped), one a line.
tests_that() { sed -nE "s/^Test Case '([^']+)' $1 \\(.*/\\1/p" "$log"; }
count() { grep -c . || true; }

passed=$(tests_that passed | count)
failed=$(tests_that failed | count)
skipped=$(tests_that skipped | count)
started=$(grep -cE "^Test Case '[^']+' started" "$log" || true)
problems=()

if ! grep -qE '^[[:space:]]*Executed [0-9]+ tests?, with' "$log"; then
  problems+=("the log has no test totals: the run did not finish")
fi
if [ "$started" -ne $((passed + failed + skipped)) ]; then
  problems+=("$started tests started but $((passed + failed + skipped)) ended: a test crashed or hung")
fi
if [ "$failed" -gt 0 ]; then
  problems+=("failed: $(tests_that failed | paste -sd ' ' -)")
fi
if [ $((passed + failed)) -lt "$minimum" ]; then
  problems+=("only $((passed + failed)) tests ran; at least $minimum are expected ($minimum_source)")
fi
# Allowed skips: the first word of each line that is not blank or a comment.
allowed=$(sed -E 's/#.*//' "$allowlist" | awk 'NF { print $1 }')
unlisted=$(tests_that skipped | grep -vxF -f <(printf '%s\n' "$allowed") || true)
if [ -n "$unlisted" ]; then
  problems+=("skipped, and not in $(basename "$allowlist"): $(paste -sd ' ' - <<<"$unlisted")")
fi

echo
for problem in "${problems[@]+"${problems[@]}"}"; do echo "test-summary: $problem"; done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ ${#problems[@]} -eq 0 ]
