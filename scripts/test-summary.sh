#!/usr/bin/env bash
# Reads the log of a `swift test` run (XCTest's output), prints the ten slowest tests and one closing line:
#   tests: N passed, N failed, N skipped
# It exits non-zero, naming the reason above that line, when
#   - a test failed (tests are counted by their own result lines, so a test with three failed assertions is one),
#   - the run did not finish: no "All tests" totals at the end (a crash, or a filtered run), a test that started
#     and never ended (named, with the crash's message and stack where the log has them), or totals that disagree
#     with the tests that started,
#   - fewer tests ran (passed or failed; a skipped test did not run) than scripts/test-minimum expects of a test
#     target, or of the whole suite, so a lost file, class or target, a filter or a run where everything skips
#     never reads green,
#   - a test was skipped that scripts/test-skips-allowed does not list with its reason.
#
# usage: test-summary.sh LOG [--minimum N | --minimums FILE] [--tests DIR] [--skips-allowed FILE]
#   --minimum N       one minimum for the whole run, instead of scripts/test-minimum's per-target ones
#   --minimums FILE   per-target minimums ("TARGET N" a line) instead of scripts/test-minimum
#   --tests DIR       the folder of test targets (one folder each) whose classes name a test's target; default Tests/
#   --skips-allowed   the list of allowed skips instead of scripts/test-skips-allowed
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage="usage: test-summary.sh LOG [--minimum N | --minimums FILE] [--tests DIR] [--skips-allowed FILE]"
log=${1:?$usage}
shift
minimums=$here/test-minimum
minimum_source=scripts/test-minimum
total_minimum=
tests_dir=$here/../Tests
allowlist=$here/test-skips-allowed
while [ $# -gt 0 ]; do
  case $1 in
    --minimum) total_minimum=$2; minimums=; minimum_source=--minimum; shift 2 ;;
    --minimums) minimums=$2; minimum_source=$(basename "$2"); shift 2 ;;
    --tests) tests_dir=${2%/}; shift 2 ;;
    --skips-allowed) allowlist=$2; shift 2 ;;
    *) echo "test-summary.sh: unknown option $1" >&2; echo "$usage" >&2; exit 2 ;;
  esac
done

# Per-target minimums: "TARGET N" on each line that is not blank or a comment; the whole run's is their sum. A line
# "all N" states that sum where a reader (or a check that reads one number) sees it first; it must equal the sum.
per_target=
if [ -n "$minimums" ]; then
  per_target=$(sed -E 's/#.*//' "$minimums" | awk 'NF')
  if bad=$(awk 'NF != 2 || $2 !~ /^[0-9]+$/' <<<"$per_target") && [ -n "$bad" ]; then
    echo "test-summary.sh: $minimum_source: each line is a test target and its minimum, not '$(head -n 1 <<<"$bad")'" >&2
    exit 2
  fi
  stated=$(awk '$1 == "all" { print $2 }' <<<"$per_target")
  per_target=$(awk '$1 != "all"' <<<"$per_target")
  total_minimum=$(awk '{ sum += $2 } END { print sum + 0 }' <<<"$per_target")
  if [ -n "$stated" ] && [ "$stated" != "$total_minimum" ]; then
    echo "test-summary.sh: $minimum_source: 'all $stated' is not the sum of the targets' minimums ($total_minimum)" >&2
    exit 2
  fi
fi
[[ $total_minimum =~ ^[0-9]+$ ]] || { echo "test-summary.sh: the minimum test count '$total_minimum' is not a number" >&2; exit 2; }

# The names of the tests whose result line says $1 (passed, failed or skipped), one a line.
tests_that() { sed -nE "s/^Test Case '([^']+)' $1 \\(.*/\\1/p" "$log"; }
count() { grep -c . || true; }

passed=$(tests_that passed | count)
failed=$(tests_that failed | count)
skipped=$(tests_that skipped | count)
started=$(grep -cE "^Test Case '[^']+' started" "$log" || true)
problems=()

# The run's own totals: the "Executed" line right after the last "Test Suite 'All tests' passed/failed" line.
# Every class and bundle prints an "Executed" line of its own; only this one covers the whole run.
executed=$(awk '
  /^Test Suite '\''All tests'\'' (passed|failed) at / { closing = 1; next }
  closing && /^[[:space:]]*Executed [0-9]+ tests?, with/ { total = $2 }
  { closing = 0 }
  END { print total }' "$log")
if [ -z "$executed" ]; then
  problems+=("the log has no totals for 'All tests': the run did not finish, or ran only part of the suite")
elif [ "$executed" -ne "$started" ]; then
  problems+=("the totals say $executed tests executed but $started started")
fi
if [ "$started" -ne $((passed + failed + skipped)) ]; then
  # The tests that started and have no result line: the one that crashed, or hung until the run was killed.
  unended=$(awk -v q="'" '
    /^Test Case '\''[^'\'']+'\'' started/ { split($0, parts, q); open[parts[2]] = 1; next }
    /^Test Case '\''[^'\'']+'\'' (passed|failed|skipped)/ { split($0, parts, q); delete open[parts[2]] }
    END { for (name in open) print name }' "$log" | sort | paste -sd ' ' -)
  problems+=("$started tests started but $((passed + failed + skipped)) ended: a test crashed or hung${unended:+ (still running: $unended)}")
fi
if [ "$failed" -gt 0 ]; then
  problems+=("failed: $(tests_that failed | paste -sd ' ' -)")
fi
if [ $((passed + failed)) -lt "$total_minimum" ]; then
  problems+=("only $((passed + failed)) tests ran; at least $total_minimum are expected ($minimum_source)")
fi

# Each target's minimum. A test's class names its target: the folder under Tests/ whose sources declare it.
if [ -n "$per_target" ]; then
  classes=$(grep -rEo --include='*.swift' '^[[:space:]]*([a-z]+[[:space:]]+)*class[[:space:]]+[A-Za-z_][A-Za-z0-9_]*' "$tests_dir" 2>/dev/null |
    awk -v root="$tests_dir/" '{ path = substr($0, length(root) + 1); split(path, parts, "/"); print $NF, parts[1] }' || true)
  shortfalls=$(awk '
    FILENAME == ARGV[1] { target[$1] = $2; next }
    FILENAME == ARGV[2] { name = $0; sub(/\..*/, "", name); if (name in target) ran[target[name]]++; next }
    { if (ran[$1] + 0 < $2) print ran[$1] + 0, $1, $2 }' \
    <(printf '%s\n' "$classes") <({ tests_that passed; tests_that failed; }) <(printf '%s\n' "$per_target"))
  while read -r ran target expected; do
    [ -n "$target" ] && problems+=("only $ran $target tests ran; at least $expected are expected ($minimum_source)")
  done <<<"$shortfalls"
fi

# Allowed skips: the first word of each line that is not blank or a comment.
allowed=$(sed -E 's/#.*//' "$allowlist" | awk 'NF { print $1 }')
unlisted=$(tests_that skipped | grep -vxF -f <(printf '%s\n' "$allowed") || true)
if [ -n "$unlisted" ]; then
  problems+=("skipped, and not in $(basename "$allowlist"): $(paste -sd ' ' - <<<"$unlisted")")
fi

# Where the suite's time goes, so a test that grows slow shows before `make test` does.
slowest=$(sed -nE "s/^Test Case '([^']+)' (passed|failed) \\(([0-9.]+) seconds\\).*/\\3 \\1/p" "$log" | sort -k1,1 -gr | awk 'NR <= 10')
echo
if [ -n "$slowest" ]; then
  echo "slowest tests:"
  awk '{ printf "  %8.3f s  %s\n", $1, $2 }' <<<"$slowest"
fi
# Frames that glibc's backtrace left as "binary(+0xOFFSET)[address]" (functions the binary does not export), named
# with addr2line where it is installed: one call per binary, since each loads the binary's debug information.
symbolize() {
  local frames=() binaries=() offsets=() i
  mapfile -t frames
  for i in "${!frames[@]}"; do
    if [[ ${frames[$i]} =~ ^(.+)\(\+(0x[0-9a-f]+)\)\[ ]] && [ -f "${BASH_REMATCH[1]}" ]; then
      binaries[$i]=${BASH_REMATCH[1]}; offsets[$i]=${BASH_REMATCH[2]}
    fi
  done
  if command -v addr2line >/dev/null 2>&1; then
    local binary named=() found
    for binary in $(printf '%s\n' "${binaries[@]}" | sort -u); do
      local indices=()
      for i in "${!binaries[@]}"; do [ "${binaries[$i]}" = "$binary" ] && indices+=("$i"); done
      mapfile -t found < <(for i in "${indices[@]}"; do echo "${offsets[$i]}"; done | addr2line -f -e "$binary" 2>/dev/null | paste - -)
      for i in "${!indices[@]}"; do
        [ -n "${found[$i]:-}" ] && named[${indices[$i]}]="${found[$i]%%$'\t'*}  ($(basename "$binary"), ${found[$i]#*$'\t'})"
      done
    done
    for i in "${!named[@]}"; do frames[$i]=${named[$i]}; done
  fi
  printf '%s\n' "${frames[@]}"
}

# A crash's own words, last, where a log kept only by its end still shows them: the runtime's message (Swift's
# "Fatal error", glibc's heap checks) and the innermost frames of the stack that Tests/TestCrashReport printed
# (less its own handler and the signal's delivery), named and demangled where addr2line and swift can.
crash=$(grep -E '^(.*Fatal error: |[a-z_]+\(\): |double free|corrupted |Simultaneous accesses|\*\*\* test-crash-report: the test process got )' "$log" |
  head -n 4 || true)
stack=$(sed -n '/^\*\*\* test-crash-report: the crashing thread/,/^\*\*\* test-crash-report: end of stack/p' "$log" | sed '1d;$d' |
  grep -vE 'libc\.so[^(]*\((gsignal|raise)\+' | head -n 16 || true)
if [ -n "$crash" ]; then
  if [ -n "$stack" ]; then
    stack=$(symbolize <<<"$stack" | grep -vE '^(report|__restore_rt|__pthread_kill_implementation|__pthread_kill_internal)  ' | head -n 12)
    if demangled=$(swift demangle --simplified <<<"$stack" 2>/dev/null); then stack=$demangled; fi
    echo "the crashing thread's innermost frames:"
    sed 's/^/  /' <<<"$stack"
  fi
  echo "the test process crashed:"
  sed -E 's/^\*\*\* test-crash-report: //; s/^/  /' <<<"$crash"
fi
for problem in "${problems[@]+"${problems[@]}"}"; do echo "test-summary: $problem"; done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ ${#problems[@]} -eq 0 ]
