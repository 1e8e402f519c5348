#!/usr/bin/env bash
# CoT-FA chat client: overhead per request against a raw libcurl loop, and four-stage pipeline throughput
# against the loopback server at 200 ms latency and concurrency 16, as a fraction of the ideal (16 / 0.2 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${TBD_BIN_DIR:-$(swift build -c release --show-bin-path)}"
if [ ! -x "$BIN/cotfa-bench" ]; then swift build -c release --product cotfa-bench >&2; fi
echo "--- client overhead (2000 requests each side)"
"$BIN/cotfa-bench" overhead 2000
echo "--- pipeline throughput (128 items x 4 stages, concurrency 16, 200 ms server latency)"
"$BIN/cotfa-bench" throughput 128 16 200
