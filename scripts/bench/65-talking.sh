# Talking-head renderer: one denoising step of a 16-frame window (CFG batch 2) at TALKING_BENCH_LATENT (32 = 256
# px) with the ReferenceNet run of that window included, on a random-weight talking checkpoint of SD1.5's sizes
# (`tbd model init-random --config talking-sd15`, F16 on disk, not committed), against Hallo's own modules in
# PyTorch eager (scripts/bench/talking-torch-reference.py, .venv-hallo or TALKING_BENCH_PYTHON) and through
# OpenVINO (the same modules converted as two graphs, the ReferenceNet's and the denoiser's, Float32, same threads; skipped with a line saying so when that
# environment cannot import openvino) on the same checkpoint and thread count, alternating the three sides for
# TALKING_BENCH_ROUNDS rounds, each figure beside the load average read just before it; peak memory against
# the Float32 weights; and seconds per output frame of a 40-step render, extrapolated from renders of 2 and 3
# steps (their difference is one step of the whole clip; a 2-stage schedule needs 2 at least; a full 40-step window takes an hour on 2 cores).
#
# Environment: TALKING_BENCH_LATENT (32), TALKING_BENCH_THREADS (2), TALKING_BENCH_ROUNDS (3),
# TALKING_BENCH_RENDER_SIZES ("256"; add 512 for the 64x64 figure, which takes far longer; empty skips the renders), TBD_HALLO_SRC (a Hallo
# checkout or bare git directory: without it, tbd's figures only).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/talking-common.bash
source scripts/bench/machine.bash
LATENT="${TALKING_BENCH_LATENT:-32}"
ROUNDS="${TALKING_BENCH_ROUNDS:-3}"
SIZES="${TALKING_BENCH_RENDER_SIZES-256}"
PY="${TALKING_BENCH_PYTHON:-.venv-hallo/bin/python}"
OPENVINO=0
if [ ! -x "$PY" ] || [ -z "${TBD_HALLO_SRC:-}" ]; then
  echo "(no PyTorch or OpenVINO side: they need $PY and TBD_HALLO_SRC)"
elif openvino_ready "$PY"; then
  OPENVINO=1
fi

# The converted window is kept between runs (converting SD1.5's sizes takes far longer than a round), in a folder
# named after the content of what it was converted from and how: the checkpoint's files, the latent size, Hallo's
# commit, OpenVINO's version and the converting script. A change to any converts again; nothing else is removed.
if [ "$OPENVINO" = 1 ]; then
  IR_KEY=$({ (cd "$MODEL" && find . -type f | LC_ALL=C sort | xargs sha256sum)
             echo "latent $LATENT"; git -C "$TBD_HALLO_SRC" rev-parse HEAD 2>/dev/null || true
             "$PY" -c 'import openvino; print(openvino.__version__)'
             sha256sum scripts/bench/talking-torch-reference.py; } | sha256sum | cut -c1-16)
  IR=.build/bench-models/openvino/talking-$IR_KEY
  [ -d "$IR" ] && echo "(OpenVINO: the window converted earlier from this checkpoint is in $IR)"
fi

cut -d' ' -f1-3 /proc/loadavg > "$WORK/load-before"
for round in $(seq "$ROUNDS"); do
  record_load "$WORK/load-ours-$round"
  "$TBD_BIN" model bench-talking --model "$MODEL" --latent "$LATENT" --repeats 1 --json > "$WORK/ours-$round.json"
  record_load "$WORK/load-torch-$round"
  if [ -x "$PY" ] && [ -n "${TBD_HALLO_SRC:-}" ]; then
    "$PY" scripts/bench/talking-torch-reference.py --model "$MODEL" --latent "$LATENT" --threads "$THREADS" \
      --repeats 1 > "$WORK/torch-$round.json" 2>/dev/null
  else
    echo '{}' > "$WORK/torch-$round.json"
  fi
  record_load "$WORK/load-openvino-$round"
  if [ "$OPENVINO" = 1 ]; then
    # The first round of the first run converts the window (not timed) and keeps its IR, as Float32.
    "$PY" scripts/bench/talking-torch-reference.py --model "$MODEL" --latent "$LATENT" --threads "$THREADS" \
      --repeats 1 --runtime openvino --ir "$IR" > "$WORK/openvino-$round.json" 2> "$WORK/openvino-$round.log" \
      || { echo "(OpenVINO round $round failed: $(tail -n 1 "$WORK/openvino-$round.log"))"; echo '{}' > "$WORK/openvino-$round.json"; }
  else
    echo '{}' > "$WORK/openvino-$round.json"
  fi
done
cut -d' ' -f1-3 /proc/loadavg > "$WORK/load-after"

talking_inputs
for size in $SIZES; do
  for steps in 2 3; do
    /usr/bin/time -f "%M" -o "$WORK/render-$size-$steps.rss" "$TBD_BIN" render --coarse "a face" --fine "a smiling face" \
      --model "$MODEL" --out "$WORK/render-$size-$steps" --audio "$WORK/speech.wav" --reference "$WORK/face.png" --crop none \
      --size "$size" --steps "$steps" --json > "$WORK/render-$size-$steps.json"
  done
done

machine_header
python3 - "$WORK" "$THREADS" "$ROUNDS" "$SIZES" "$(float32_weight_bytes)" <<'PY'
import json, statistics, sys
work, threads, rounds, sizes, all_weights = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split(), int(sys.argv[5])
load = lambda name: json.load(open(f"{work}/{name}.json"))
loadavg = lambda name: open(f"{work}/load-{name}").read().split()[0]
first = load("ours-1")
print(f"threads {threads}; ReferenceNet + video UNet {first['parameters'] / 1e6:.0f} M parameters, "
      f"{first['float32_weight_bytes'] / 1e9:.2f} GB as Float32; window {first['frames']} frames + {first['motion_frames']} "
      f"motion frames at {first['latent']}x{first['latent']} latents, CFG batch 2")
print(f"load average before {open(f'{work}/load-before').read().strip()}, after {open(f'{work}/load-after').read().strip()}; "
      "(load) is the 1-minute load average just before each figure; OpenVINO times the window as two graphs, the ReferenceNet's and the denoiser's on its bank")
print(f"{'round':>5} {'tbd ref s':>9} {'tbd unet s':>10} {'tbd s (load)':>15} {'torch ref s':>11} {'torch unet s':>12} "
      f"{'torch s (load)':>15} {'openvino s (load)':>17} {'tbd/torch':>9} {'unet tbd/torch':>14} {'tbd/openvino':>12} "
      f"{'openvino max rel diff':>21} {'tbd peak GB':>11} {'torch peak GB':>13} {'openvino peak GB':>16}")
ratios, unet_ratios, vino_ratios = [], [], []
for round in range(1, rounds + 1):
    o, t, v = load(f"ours-{round}"), load(f"torch-{round}"), load(f"openvino-{round}")
    line = (f"{round:>5} {o['reference_seconds']:9.2f} {o['denoiser_seconds']:10.2f} "
            f"{o['seconds']:8.2f} ({loadavg(f'ours-{round}'):>4}) ")
    if t:
        ratios.append(o["seconds"] / t["seconds"])
        unet_ratios.append(o["denoiser_seconds"] / t["denoiser_seconds"])
        line += (f"{t['reference_seconds']:11.2f} {t['denoiser_seconds']:12.2f} "
                 f"{t['seconds']:8.2f} ({loadavg(f'torch-{round}'):>4}) ")
    else:
        line += f"{'-':>11} {'-':>12} {'-':>15} "
    line += f"{v['seconds']:10.2f} ({loadavg(f'openvino-{round}'):>4}) " if v else f"{'-':>17} "
    if v:
        vino_ratios.append(o["seconds"] / v["seconds"])
    line += f"{ratios[-1]:9.2f} {unet_ratios[-1]:14.2f} " if t else f"{'-':>9} {'-':>14} "
    line += f"{vino_ratios[-1]:12.2f} {v['max_relative_difference']:21.1e} " if v else f"{'-':>12} {'-':>21} "
    line += (f"{o['peak_resident_bytes'] / 1e9:11.2f} " + (f"{t['peak_resident_bytes'] / 1e9:13.2f} " if t else f"{'-':>13} ")
             + (f"{v['peak_resident_bytes'] / 1e9:16.2f}" if v else f"{'-':>16}"))
    print(line)
if ratios:
    print(f"median tbd/PyTorch {statistics.median(ratios):.2f} (denoiser alone {statistics.median(unet_ratios):.2f}) over {len(ratios)} rounds")
if vino_ratios:
    print(f"median tbd/OpenVINO {statistics.median(vino_ratios):.2f} over {len(vino_ratios)} rounds")
print(f"tbd peak {first['peak_resident_bytes'] / first['float32_weight_bytes']:.2f}x the two networks' Float32 weights")
for size in sizes:
    one, two = load(f"render-{size}-2")[0]["result"], load(f"render-{size}-3")[0]["result"]
    step = two["seconds"] - one["seconds"]
    fixed = one["seconds"] - 2 * step
    frames = one["frames"]
    rss = max(int(open(f"{work}/render-{size}-{s}.rss").read().split()[-1]) for s in (2, 3)) * 1024
    print(f"render {size}x{size}, {frames} frames: 2 steps {one['seconds']:.1f} s, 3 steps {two['seconds']:.1f} s -> "
          f"40 steps ~{(fixed + 40 * step) / frames:.1f} s per output frame; render peak {rss / 1e9:.2f} GB = "
          f"{rss / all_weights:.2f}x the Float32 weights of all networks ({all_weights / 1e9:.2f} GB)")
PY
