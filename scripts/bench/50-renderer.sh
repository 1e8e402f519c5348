# Renderer: sgemm-bound operations in GFLOP/s against the machine's own sgemm peak, and the SD1.5-size CLIP text
# encoder against PyTorch eager and OpenVINO (Float32, the same module converted in memory; skipped with a line
# saying so when the environment lacks it) on the same thread count. The PyTorch side needs the fixture environment
# (.venv, see docs/renderer.md); without it only this package's figures are printed.
#
# The machine is shared, so load changes between runs: the operations are measured once per side, back to back;
# the attention cases and the text encoder, the headline figures, in ROUNDS alternating rounds (tbd, PyTorch,
# OpenVINO, under the same load), reporting each round's ratios and their medians, with the CPU model, its caches
# and the load average read just before each text-encoder figure.
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
THREADS="${RENDERER_BENCH_THREADS:-2}"
REPEATS="${RENDERER_BENCH_REPEATS:-5}"
ROUNDS="${RENDERER_BENCH_ROUNDS:-5}"
MODEL=.build/bench-models/clip-text-sd15
PY=.venv/bin/python
export OPENBLAS_NUM_THREADS="$THREADS"
source scripts/bench/machine.bash
OPENVINO=0
if [ -x "$PY" ] && openvino_ready "$PY"; then OPENVINO=1; fi

if [ -x "$PY" ] && [ ! -f "$MODEL/model.safetensors" ]; then
  echo "making the random-weight SD1.5 text encoder in $MODEL (not committed)"
  "$PY" scripts/make-parity-fixtures.py --bench-model "$MODEL" >/dev/null 2>&1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cut -d' ' -f1-3 /proc/loadavg > "$WORK/load-before"
"$TBD_BIN" model bench --repeats "$REPEATS" --json > "$WORK/ours.json"
if [ -x "$PY" ]; then
  "$PY" scripts/bench/renderer-torch-reference.py --threads "$THREADS" --repeats "$REPEATS" > "$WORK/torch.json" 2>/dev/null
  if [ -f "$MODEL/model.safetensors" ]; then
    for round in $(seq "$ROUNDS"); do
      "$TBD_BIN" model bench --repeats "$REPEATS" --filter attention --json > "$WORK/ours-attention-$round.json"
      "$PY" scripts/bench/renderer-torch-reference.py --threads "$THREADS" --repeats "$REPEATS" --filter attention \
        > "$WORK/torch-attention-$round.json" 2>/dev/null
      record_load "$WORK/load-ours-clip-$round"
      "$TBD_BIN" model bench --repeats "$REPEATS" --filter "CLIP text" --model "$MODEL" --json > "$WORK/ours-clip-$round.json"
      record_load "$WORK/load-torch-clip-$round"
      "$PY" scripts/bench/renderer-torch-reference.py --threads "$THREADS" --repeats "$REPEATS" --model "$MODEL" --only-model \
        > "$WORK/torch-clip-$round.json" 2>/dev/null
      record_load "$WORK/load-openvino-clip-$round"
      if [ "$OPENVINO" = 1 ]; then
        "$PY" scripts/bench/renderer-torch-reference.py --threads "$THREADS" --repeats "$REPEATS" --model "$MODEL" --only-model \
          --runtime openvino > "$WORK/openvino-clip-$round.json" 2>/dev/null
      fi
    done
  fi
else
  echo '{"results": []}' > "$WORK/torch.json"
fi

cut -d' ' -f1-3 /proc/loadavg > "$WORK/load-after"
echo "$(machine_header); tbd's kernels read: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("caches", "?"))' "$WORK/ours.json")"
python3 - "$WORK" "$THREADS" "$ROUNDS" <<'PY'
import json, os, sys
work, threads, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
load = lambda name: json.load(open(os.path.join(work, name)))["results"]
ours = load("ours.json")
reference = {r["name"]: r["seconds"] for r in load("torch.json")}
peak = ours[0]["gflops_per_second"]
print(f"threads: {threads}; sgemm peak {peak:.1f} GFLOP/s; ratio = tbd time / PyTorch time (under 1.0: tbd faster)")
print(f"load average before {open(os.path.join(work, 'load-before')).read().strip()}, after {open(os.path.join(work, 'load-after')).read().strip()}")
print(f"{'operation':52} {'tbd s':>9} {'GFLOP/s':>8} {'% peak':>7} {'torch s':>9} {'ratio':>6}")
for r in ours:
    torch_s = reference.get(r["name"])
    gflops = r["gflops_per_second"]
    line = f"{r['name']:52} {r['seconds']:9.4f} {gflops:8.1f} {100 * gflops / peak:6.0f}%" if r["flops"] else f"{r['name']:52} {r['seconds']:9.4f} {'':8} {'':7}"
    line += f" {torch_s:9.4f} {r['seconds'] / torch_s:6.2f}" if torch_s else f" {'-':>9} {'-':>6}"
    print(line)
if os.path.exists(os.path.join(work, "ours-attention-1.json")):
    print("\nAttention, alternating rounds (tbd, then PyTorch):")
    names = [r["name"] for r in load("ours-attention-1.json") if "attention" in r["name"]]
    for name in names:
        ratios = []
        for i in range(1, rounds + 1):
            mine = next(r["seconds"] for r in load(f"ours-attention-{i}.json") if r["name"] == name)
            theirs = next((r["seconds"] for r in load(f"torch-attention-{i}.json") if r["name"] == name), None)
            if theirs:
                ratios.append(mine / theirs)
        if ratios:
            print(f"  {name:52} rounds {', '.join(f'{x:.2f}' for x in ratios)}; median ratio {sorted(ratios)[len(ratios) // 2]:.2f}")
if os.path.exists(os.path.join(work, "ours-clip-1.json")):
    print("\nCLIP text encoder (SD1.5 size, random weights), 2 x 77 tokens per call, alternating rounds "
          "((load): the 1-minute load average just before the figure):")
    loadavg = lambda name: open(os.path.join(work, f"load-{name}")).read().split()[0]
    ratios, ov_ratios = [], []
    for i in range(1, rounds + 1):
        mine = [r for r in load(f"ours-clip-{i}.json") if r["name"].startswith("CLIP text")][0]["seconds"]
        theirs = load(f"torch-clip-{i}.json")[0]["seconds"]
        ratios.append(mine / theirs)
        line = (f"  round {i}: tbd {mine:.4f} s ({loadavg(f'ours-clip-{i}')}), PyTorch {theirs:.4f} s "
                f"({loadavg(f'torch-clip-{i}')}), tbd / PyTorch {mine / theirs:.2f}")
        if os.path.exists(os.path.join(work, f"openvino-clip-{i}.json")):
            vino = load(f"openvino-clip-{i}.json")[0]["seconds"]
            ov_ratios.append(mine / vino)
            line += f"; OpenVINO {vino:.4f} s ({loadavg(f'openvino-clip-{i}')}), tbd / OpenVINO {mine / vino:.2f}"
        print(line)
    print(f"  median tbd / PyTorch {sorted(ratios)[len(ratios) // 2]:.2f}"
          + (f", median tbd / OpenVINO {sorted(ov_ratios)[len(ov_ratios) // 2]:.2f}" if ov_ratios else ""))
PY
