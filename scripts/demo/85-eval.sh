# Evaluation: the talking-head clip rendered above, and the one rendered after training, against the MEAD sample
# clip they were drawn from (the ground truth resized to the render's size): PSNR, SSIM and CPBD exact to their
# reference packages (docs/evaluation.md). Random and barely trained weights: these numbers say "noise", as they should.
set -euo pipefail
truth="$PWD/data/mead-sample/M003/video/front/happy/level_1/001.mp4"
for video in data/out/talking/*.mp4 data/out/trained-render/*.mp4; do
  [ -f "$video" ] || continue
  echo "\$ tbd eval video $video --reference $truth --metrics psnr,ssim,cpbd"
  "$TBD" eval video "$video" --reference "$truth" --metrics psnr,ssim,cpbd
done
echo "(LPIPS and FID need the networks' published weights: scripts/convert-eval-weights.py, then --weights DIR.)"
