# Renderer: sgemm-bound operations in GFLOP/s against the machine's own sgemm peak, and the SD1.5-size CLIP text
# encoder against PyTorch eager on the same thread count. The PyTorch side needs the fixture environment
# (.venv, see docs/renderer.md); without it only this package's figures are printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
THREADS="${RENDERER_BENCH_THREADS:-2}"
REPEATS="${RENDERER_BENCH_REPEATS:-5}"
MODEL=.build/bench-models/clip-text-sd15
PY=.venv/bin/python
export OPENBLAS_NUM_THREADS="$THREADS"

if [ -x "$PY" ] && [ ! -f "$MODEL/model.safetensors" ]; then
  echo "making the random-weight SD1.5 text encoder in $MODEL (not committed)"
  "$PY" scripts/make-parity-fixtures.py --bench-model "$MODEL" >/dev/null 2>&1
fi
MODEL_ARGS=()
[ -f "$MODEL/model.safetensors" ] && MODEL_ARGS=(--model "$MODEL")

OURS=$(mktemp) REFERENCE=$(mktemp)
trap 'rm -f "$OURS" "$REFERENCE"' EXIT
"$TBD_BIN" model bench --repeats "$REPEATS" "${MODEL_ARGS[@]}" --json > "$OURS"
if [ -x "$PY" ]; then
  "$PY" scripts/bench/renderer-torch-reference.py --threads "$THREADS" --repeats "$REPEATS" "${MODEL_ARGS[@]}" > "$REFERENCE" 2>/dev/null
else
  echo '{"results": []}' > "$REFERENCE"
fi

python3 - "$OURS" "$REFERENCE" "$THREADS" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))["results"]
reference = {r["name"]: r["seconds"] for r in json.load(open(sys.argv[2]))["results"]}
peak = ours[0]["gflops_per_second"]
print(f"threads: {sys.argv[3]}; sgemm peak {peak:.1f} GFLOP/s; ratio = tbd time / PyTorch time (under 1.0: tbd faster)")
print(f"{'operation':52} {'tbd s':>9} {'GFLOP/s':>8} {'% peak':>7} {'torch s':>9} {'ratio':>6}")
for r in ours:
    torch_s = reference.get(r["name"])
    gflops = r["gflops_per_second"]
    line = f"{r['name']:52} {r['seconds']:9.4f} {gflops:8.1f} {100 * gflops / peak:6.0f}%"
    line += f" {torch_s:9.4f} {r['seconds'] / torch_s:6.2f}" if torch_s else f" {'-':>9} {'-':>6}"
    print(line)
PY
