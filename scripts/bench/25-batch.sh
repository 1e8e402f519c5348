# Batch annotation: runner throughput against the loopback server at 200 ms reply latency and concurrency 16,
# as a fraction of the ideal (concurrency / latency), and model calls per clip for a full-size MEAD index.
# Frame extraction against the ffmpeg tool is measured by 40-frame-extraction.sh.
set -euo pipefail
"$TBD_BIN_DIR/batch-bench" --latency 0.2 --concurrency 16 --units 320
