# Talking-head renderer at 512x512 (64x64 latents): seconds per output frame of a 40-step render, from one
# measured 2-step render of a 16-frame window (speech, ReferenceNet, text, VAE encoding, two denoising steps, the
# 16 frames' decoding, MP4) and one measured denoiser evaluation of that window at 64x64 (`tbd model bench-talking
# --latent 64`, CFG batch 2, ReferenceNet included): 40 steps = the 2-step render + 38 more evaluations. Its
# peak memory against the Float32 weights of all networks. Same random-weight checkpoint as 65-talking.sh.
#
# It takes about 35 minutes on 2 cores, so it runs only with TALKING_BENCH_512=1.
# Environment: TALKING_BENCH_THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${TALKING_BENCH_512:-0}" != 1 ]; then
  echo "skipped: set TALKING_BENCH_512=1 to measure a 512x512 talking-head render (about 35 minutes)"
  exit 0
fi
source scripts/bench/talking-common.bash
talking_inputs
cut -d' ' -f1-3 /proc/loadavg > "$WORK/load-before"
/usr/bin/time -f "%M" -o "$WORK/render.rss" "$TBD_BIN" render --coarse "a face" --fine "a smiling face" \
  --model "$MODEL" --out "$WORK/render" --audio "$WORK/speech.wav" --reference "$WORK/face.png" --crop none \
  --size 512 --steps 2 --json > "$WORK/render.json"
"$TBD_BIN" model bench-talking --model "$MODEL" --latent 64 --repeats 1 --json > "$WORK/step.json"
cut -d' ' -f1-3 /proc/loadavg > "$WORK/load-after"

python3 - "$WORK" "$THREADS" "$(float32_weight_bytes)" <<'PY'
import json, sys
work, threads, all_weights = sys.argv[1], sys.argv[2], int(sys.argv[3])
render = json.load(open(f"{work}/render.json"))[0]["result"]
step = json.load(open(f"{work}/step.json"))
rss = int(open(f"{work}/render.rss").read().split()[-1]) * 1024
frames = render["frames"]
forty = render["seconds"] + 38 * step["denoiser_seconds"]
print(f"threads {threads}; load average before {open(f'{work}/load-before').read().strip()}, "
      f"after {open(f'{work}/load-after').read().strip()}")
print(f"render 512x512, {frames} frames, 2 steps: {render['seconds']:.1f} s; peak {rss / 1e9:.2f} GB = "
      f"{rss / all_weights:.2f}x the Float32 weights of all networks ({all_weights / 1e9:.2f} GB)")
print(f"one denoiser evaluation at 64x64 latents: {step['denoiser_seconds']:.1f} s (ReferenceNet {step['reference_seconds']:.1f} s); "
      f"peak {step['peak_resident_bytes'] / 1e9:.2f} GB")
print(f"40 steps: {render['seconds']:.1f} + 38 x {step['denoiser_seconds']:.1f} = {forty:.0f} s for {frames} frames "
      f"-> {forty / frames:.0f} s per output frame")
PY
