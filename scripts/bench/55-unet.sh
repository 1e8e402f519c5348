# Renderer, part 2: one UNet evaluation at SD1.5's full architecture (random weights made here by
# `tbd model init-random --config sd15`, 2.1 GB, not committed), batch 2 (classifier-free guidance), against
# PyTorch eager on the same checkpoint and thread count; GFLOP/s against the sgemm peak; peak memory against the
# Float32 weight size; and seconds per frame of a 40-step clip at 32x32 latents (256x256 pixels).
#
# Environment: UNET_BENCH_LATENTS (default "32,64"), UNET_BENCH_THREADS (2), UNET_BENCH_REPEATS (1),
# UNET_BENCH_CLIP_FRAMES (1: frames of the 40-step clip actually rendered; 16 is the full clip).
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
LATENTS="${UNET_BENCH_LATENTS:-32,64}"
THREADS="${UNET_BENCH_THREADS:-2}"
REPEATS="${UNET_BENCH_REPEATS:-1}"
CLIP_FRAMES="${UNET_BENCH_CLIP_FRAMES:-1}"
MODEL=.build/bench-models/sd15-random
PY=.venv/bin/python
export OPENBLAS_NUM_THREADS="$THREADS"

if [ ! -f "$MODEL/model_index.json" ]; then
  echo "making the random-weight SD1.5 checkpoint in $MODEL (not committed)"
  "$TBD_BIN" model init-random --config sd15 --out "$MODEL"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$TBD_BIN" model bench --repeats 3 --filter sgemm --json > "$WORK/peak.json"
"$TBD_BIN" model bench-unet --model "$MODEL" --latent "$LATENTS" --repeats "$REPEATS" --json > "$WORK/ours.json"
if [ -x "$PY" ]; then
  "$PY" scripts/bench/unet-torch-reference.py --model "$MODEL/unet" --latent "$LATENTS" --threads "$THREADS" \
    --repeats "$REPEATS" > "$WORK/torch.json" 2>/dev/null
else
  echo '{"results": []}' > "$WORK/torch.json"
fi
"$TBD_BIN" render --coarse "a face" --fine "a smiling face" --model "$MODEL" --out "$WORK/clip" --frames "$CLIP_FRAMES" \
  --steps 40 --size 256 --json > "$WORK/clip.json"

python3 - "$WORK" "$THREADS" "$CLIP_FRAMES" <<'PY'
import json, sys
work, threads, frames = sys.argv[1], sys.argv[2], int(sys.argv[3])
load = lambda name: json.load(open(f"{work}/{name}.json"))
peak = load("peak")["results"][0]["gflops_per_second"]
ours, torch = load("ours"), load("torch")
theirs = {r["latent"]: r for r in torch["results"]}
print(f"threads {threads}; sgemm peak {peak:.1f} GFLOP/s; UNet {ours['parameters'] / 1e6:.0f} M parameters, "
      f"{ours['float32_weight_bytes'] / 1e9:.2f} GB as Float32, loaded in {ours['load_seconds']:.1f} s")
print(f"{'latent':>7} {'tbd s':>8} {'GFLOP/s':>8} {'% peak':>7} {'torch s':>8} {'ratio':>6} {'tbd peak GB':>11} {'x weights':>9} {'torch peak GB':>13}")
for r in ours["results"]:
    t = theirs.get(r["latent"])
    flops = t["flops"] if t else 0
    gflops = flops / r["seconds"] / 1e9 if flops else 0
    line = f"{r['latent']:>7} {r['seconds']:8.2f} {gflops:8.1f} {100 * gflops / peak:6.0f}% "
    line += f"{t['seconds']:8.2f} {r['seconds'] / t['seconds']:6.2f} " if t else f"{'':8} {'':6} "
    line += f"{r['peak_resident_bytes'] / 1e9:11.2f} {r['peak_resident_bytes'] / ours['float32_weight_bytes']:9.2f} "
    line += f"{t['peak_resident_bytes'] / 1e9:13.2f}" if t else ""
    print(line)
clip = load("clip")[0]["result"]
print(f"40-step clip at 32x32 latents (256x256), {frames} frame(s): {clip['seconds_per_frame']:.1f} s per frame")
PY
