# Renderer, part 2: one UNet evaluation at SD1.5's full architecture (random weights made here by
# `tbd model init-random --config sd15`, 2.1 GB, not committed), batch 2 (classifier-free guidance), against
# PyTorch eager and OpenVINO (Float32, the same torch module converted in memory; skipped with a line saying so
# when the environment lacks it) on the same checkpoint, inputs and thread count; GFLOP/s against the sgemm peak;
# peak memory against the Float32 weight size; and seconds per frame of a 40-step clip at 32x32 latents (256x256).
#
# The runtimes alternate for UNET_BENCH_ROUNDS rounds (tbd, PyTorch, OpenVINO, under the same load); the table
# gives each figure with the load average read just before it, each round's ratios (tbd / PyTorch, tbd / OpenVINO)
# and their medians, after the CPU model and its caches. Measure on a quiet machine: under load PyTorch's OpenMP
# threads lose more than ours and the ratio flatters tbd.
#
# Each round also times tbd at `--precision bf16` (linear layers and 3x3 convolutions on BF16 weights and inputs,
# Float32 sums; AVX512-BF16 where the CPU has it, else BF16-rounded weights on the Float32 kernels: the header says
# which), right after tbd at f32; the table gives it beside PyTorch eager f32 (bf16 / torch).
#
# The same rounds time the checkpoint's VAE decoder (batch 1) on UNET_BENCH_VAE_LATENTS the same three ways.
#
# Environment: UNET_BENCH_LATENTS (default "32,64"), UNET_BENCH_THREADS (2), UNET_BENCH_REPEATS (1),
# UNET_BENCH_ROUNDS (3), UNET_BENCH_CLIP_FRAMES (1: frames of the 40-step clip actually rendered; 0 skips it),
# UNET_BENCH_VAE_LATENTS (default "64", latents of a 512x512 image; empty skips the decoder), UNET_BENCH_BF16 (1; 0
# skips the bf16 column).
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
LATENTS="${UNET_BENCH_LATENTS:-32,64}"
THREADS="${UNET_BENCH_THREADS:-2}"
REPEATS="${UNET_BENCH_REPEATS:-1}"
ROUNDS="${UNET_BENCH_ROUNDS:-3}"
CLIP_FRAMES="${UNET_BENCH_CLIP_FRAMES:-1}"
VAE_LATENTS="${UNET_BENCH_VAE_LATENTS-64}"
BF16="${UNET_BENCH_BF16:-1}"
MODEL=.build/bench-models/sd15-random
PY=.venv/bin/python
export OPENBLAS_NUM_THREADS="$THREADS"
source scripts/bench/machine.bash
OPENVINO=0
if [ -x "$PY" ] && openvino_ready "$PY"; then OPENVINO=1; fi

if [ ! -f "$MODEL/model_index.json" ]; then
  echo "making the random-weight SD1.5 checkpoint in $MODEL (not committed)"
  "$TBD_BIN" model init-random --config sd15 --out "$MODEL"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$TBD_BIN" model bench --repeats 3 --filter sgemm --json > "$WORK/peak.json"
cut -d' ' -f1-3 /proc/loadavg > "$WORK/load-before"
for round in $(seq "$ROUNDS"); do
  record_load "$WORK/load-ours-$round"
  "$TBD_BIN" model bench-unet --model "$MODEL" --latent "$LATENTS" --repeats "$REPEATS" --json > "$WORK/ours-$round.json"
  record_load "$WORK/load-bf16-$round"
  if [ "$BF16" = 1 ]; then
    "$TBD_BIN" model bench-unet --model "$MODEL" --latent "$LATENTS" --repeats "$REPEATS" --precision bf16 --json > "$WORK/bf16-$round.json"
  else
    echo '{"results": []}' > "$WORK/bf16-$round.json"
  fi
  record_load "$WORK/load-torch-$round"
  if [ -x "$PY" ]; then
    "$PY" scripts/bench/unet-torch-reference.py --model "$MODEL/unet" --latent "$LATENTS" --threads "$THREADS" \
      --repeats "$REPEATS" > "$WORK/torch-$round.json" 2>/dev/null
  else
    echo '{"results": []}' > "$WORK/torch-$round.json"
  fi
  record_load "$WORK/load-openvino-$round"
  if [ "$OPENVINO" = 1 ]; then
    # The first round converts the UNet (about a minute, not timed) and keeps its IR for the others.
    "$PY" scripts/bench/unet-torch-reference.py --model "$MODEL/unet" --latent "$LATENTS" --threads "$THREADS" \
      --repeats "$REPEATS" --runtime openvino --ir "$WORK/unet-ir/unet.xml" > "$WORK/openvino-$round.json" 2>/dev/null
  else
    echo '{"results": []}' > "$WORK/openvino-$round.json"
  fi
  for side in ours torch openvino; do echo '{"results": []}' > "$WORK/vae-$side-$round.json"; done
  if [ -n "$VAE_LATENTS" ]; then
    record_load "$WORK/load-vae-ours-$round"
    "$TBD_BIN" model bench-vae --model "$MODEL" --latent "$VAE_LATENTS" --repeats "$REPEATS" --json > "$WORK/vae-ours-$round.json"
    record_load "$WORK/load-vae-torch-$round"
    if [ -x "$PY" ]; then
      "$PY" scripts/bench/vae-torch-reference.py --model "$MODEL/vae" --latent "$VAE_LATENTS" --threads "$THREADS" \
        --repeats "$REPEATS" > "$WORK/vae-torch-$round.json" 2>/dev/null
    fi
    record_load "$WORK/load-vae-openvino-$round"
    if [ "$OPENVINO" = 1 ]; then
      "$PY" scripts/bench/vae-torch-reference.py --model "$MODEL/vae" --latent "$VAE_LATENTS" --threads "$THREADS" \
        --repeats "$REPEATS" --runtime openvino > "$WORK/vae-openvino-$round.json" 2>/dev/null
    fi
  fi
done
cut -d' ' -f1-3 /proc/loadavg > "$WORK/load-after"
if [ "$CLIP_FRAMES" -gt 0 ]; then
  "$TBD_BIN" render --coarse "a face" --fine "a smiling face" --model "$MODEL" --out "$WORK/clip" --frames "$CLIP_FRAMES" \
    --steps 40 --size 256 --json > "$WORK/clip.json"
fi

echo "$(machine_header); tbd's kernels read: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("caches", "?"))' "$WORK/peak.json")"
python3 - "$WORK" "$THREADS" "$CLIP_FRAMES" "$ROUNDS" <<'PY'
import json, os, statistics, sys
work, threads, frames, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
load = lambda name: json.load(open(f"{work}/{name}.json"))
loadavg = lambda name: open(f"{work}/load-{name}").read().split()[0]
peak = load("peak")["results"][0]["gflops_per_second"]
first = load("ours-1")
print(f"threads {threads}; sgemm peak {peak:.1f} GFLOP/s; UNet {first['parameters'] / 1e6:.0f} M parameters, "
      f"{first['float32_weight_bytes'] / 1e9:.2f} GB as Float32, loaded in {first['load_seconds']:.1f} s")
bf16_first = load("bf16-1")
if bf16_first["results"]:
    print("tbd bf16: " + ("AVX512-BF16 kernels" if bf16_first["bf16_kernels"] else "no AVX512-BF16 here: BF16-rounded weights on the Float32 kernels"))
print(f"load average before {open(f'{work}/load-before').read().strip()}, after {open(f'{work}/load-after').read().strip()}; "
      "(load) beside each figure is the 1-minute load average just before it")
print(f"{'latent':>7} {'round':>5} {'tbd s (load)':>14} {'GFLOP/s':>8} {'% peak':>7} {'torch s (load)':>15} {'OpenVINO s (load)':>18} "
      f"{'tbd/torch':>9} {'tbd/OV':>7} {'tbd peak GB':>11} {'x weights':>9} {'bf16 s (load)':>14} {'bf16/torch':>10} {'bf16/f32':>8}")
for latent in [r["latent"] for r in first["results"]]:
    ratios, ov_ratios, bf16_ratios = [], [], []
    for round in range(1, rounds + 1):
        r = next(x for x in load(f"ours-{round}")["results"] if x["latent"] == latent)
        t = next((x for x in load(f"torch-{round}")["results"] if x["latent"] == latent), None)
        o = next((x for x in load(f"openvino-{round}")["results"] if x["latent"] == latent), None)
        b = next((x for x in load(f"bf16-{round}")["results"] if x["latent"] == latent), None)
        flops = t["flops"] if t else 0
        gflops = flops / r["seconds"] / 1e9 if flops else 0
        line = f"{latent:>7} {round:>5} {r['seconds']:7.2f} ({loadavg(f'ours-{round}'):>4}) {gflops:8.1f} {100 * gflops / peak:6.0f}% "
        line += f"{t['seconds']:8.2f} ({loadavg(f'torch-{round}'):>4}) " if t else f"{'-':>15} "
        line += f"{o['seconds']:11.2f} ({loadavg(f'openvino-{round}'):>4}) " if o else f"{'-':>18} "
        if t:
            ratios.append(r["seconds"] / t["seconds"])
        if o:
            ov_ratios.append(r["seconds"] / o["seconds"])
        line += f"{r['seconds'] / t['seconds']:9.2f} " if t else f"{'-':>9} "
        line += f"{r['seconds'] / o['seconds']:7.2f} " if o else f"{'-':>7} "
        line += f"{r['peak_resident_bytes'] / 1e9:11.2f} {r['peak_resident_bytes'] / first['float32_weight_bytes']:9.2f}"
        if b:
            line += f" {b['seconds']:7.2f} ({loadavg(f'bf16-{round}'):>4}) "
            line += f"{b['seconds'] / t['seconds']:10.2f} " if t else f"{'-':>10} "
            line += f"{b['seconds'] / r['seconds']:8.2f}"
            if t:
                bf16_ratios.append(b["seconds"] / t["seconds"])
        print(line)
    if ratios:
        print(f"{latent:>7} median tbd / PyTorch {statistics.median(ratios):.2f} over {len(ratios)} rounds")
    if ov_ratios:
        print(f"{latent:>7} median tbd / OpenVINO {statistics.median(ov_ratios):.2f} over {len(ov_ratios)} rounds")
    if bf16_ratios:
        print(f"{latent:>7} median tbd bf16 / PyTorch f32 {statistics.median(bf16_ratios):.2f} over {len(bf16_ratios)} rounds")
vae_latents = [r["latent"] for r in load("vae-ours-1")["results"]]
if vae_latents:
    print(f"\nVAE decoder, batch 1 (latents n x n to 8n x 8n pixels): seconds (1-minute load average just before)")
    print(f"{'latent':>7} {'round':>5} {'tbd s (load)':>14} {'torch s (load)':>15} {'OpenVINO s (load)':>18} {'tbd/torch':>9} {'tbd/OV':>7}")
for latent in vae_latents:
    ratios, ov_ratios = [], []
    for round in range(1, rounds + 1):
        r = next(x for x in load(f"vae-ours-{round}")["results"] if x["latent"] == latent)
        t = next((x for x in load(f"vae-torch-{round}")["results"] if x["latent"] == latent), None)
        o = next((x for x in load(f"vae-openvino-{round}")["results"] if x["latent"] == latent), None)
        line = f"{latent:>7} {round:>5} {r['seconds']:7.2f} ({loadavg(f'vae-ours-{round}'):>4}) "
        line += f"{t['seconds']:8.2f} ({loadavg(f'vae-torch-{round}'):>4}) " if t else f"{'-':>15} "
        line += f"{o['seconds']:11.2f} ({loadavg(f'vae-openvino-{round}'):>4}) " if o else f"{'-':>18} "
        if t:
            ratios.append(r["seconds"] / t["seconds"])
        if o:
            ov_ratios.append(r["seconds"] / o["seconds"])
        line += (f"{ratios[-1]:9.2f} " if t else f"{'-':>9} ") + (f"{ov_ratios[-1]:7.2f}" if o else f"{'-':>7}")
        print(line)
    if ratios:
        print(f"{latent:>7} median tbd / PyTorch {statistics.median(ratios):.2f}"
              + (f", median tbd / OpenVINO {statistics.median(ov_ratios):.2f}" if ov_ratios else ""))
if frames > 0:
    clip = load("clip")[0]["result"]
    print(f"40-step clip at 32x32 latents (256x256), {frames} frame(s): {clip['seconds_per_frame']:.1f} s per frame")
PY
