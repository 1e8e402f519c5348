# Winograd's F(4x4, 3x3) against the direct kernel for the 3x3 convolutions: the SD1.5 UNet (random weights made by
# `tbd model init-random --config sd15`, as in 55-unet.sh, not committed) at batch 2 and the VAE decoder at batch 1,
# with TBD_CONVOLUTION=direct and =auto alternating within each round, under the same load. Each figure is printed
# with the load average read just before it, after the CPU model and its caches; the last auto run's lines list
# each 3x3 shape's two first-call times and which algorithm the process kept.
#
# Environment: WINOGRAD_BENCH_LATENTS (default "32,64"), WINOGRAD_BENCH_VAE_LATENTS ("64"; empty skips the
# decoder), WINOGRAD_BENCH_ROUNDS (2), WINOGRAD_BENCH_THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
LATENTS="${WINOGRAD_BENCH_LATENTS:-32,64}"
VAE_LATENTS="${WINOGRAD_BENCH_VAE_LATENTS-64}"
ROUNDS="${WINOGRAD_BENCH_ROUNDS:-2}"
export OPENBLAS_NUM_THREADS="${WINOGRAD_BENCH_THREADS:-2}"
MODEL=.build/bench-models/sd15-random
source scripts/bench/machine.bash
make_work_folder

if [ ! -f "$MODEL/model_index.json" ]; then
  echo "making the random-weight SD1.5 checkpoint in $MODEL (not committed)"
  "$TBD_BIN" model init-random --config sd15 --out "$MODEL"
fi
machine_header
for round in $(seq "$ROUNDS"); do
  for mode in direct auto; do
    echo "round $round, TBD_CONVOLUTION=$mode, load $(load_now)"
    TBD_CONVOLUTION=$mode "$TBD_BIN" model bench-unet --model "$MODEL" --latent "$LATENTS" > "$WORK/unet-$mode" 2>/dev/null
    grep -E '^latent' "$WORK/unet-$mode" | sed 's/^/  UNet /'
    if [ -n "$VAE_LATENTS" ]; then
      echo "  load $(load_now)"
      TBD_CONVOLUTION=$mode "$TBD_BIN" model bench-vae --model "$MODEL" --latent "$VAE_LATENTS" > "$WORK/vae-$mode" 2>/dev/null
      grep -E '^VAE' "$WORK/vae-$mode" | sed 's/^/  /'
    fi
  done
done
echo "UNet, the last auto round's choices:"
grep -vE '^(latent|precision|UNet)' "$WORK/unet-auto" || true
if [ -n "$VAE_LATENTS" ]; then
  echo "VAE decoder, the last auto round's choices:"
  grep -vE '^VAE' "$WORK/vae-auto" || true
fi
