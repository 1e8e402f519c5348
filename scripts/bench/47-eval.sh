# Evaluation: `tbd eval video` (PSNR, SSIM, CPBD) on a 10 s 256x256 clip at 25 fps (250 frame pairs) against the
# same metrics from scikit-image 0.26.0 and cpbd-py312 1.0.3 (scripts/bench/eval-reference.py), both reading the
# same PNG frames and pinned to one core with taskset, in ROUNDS alternating rounds; median of the per-round ratios.
# The clip is made here from data/astronaut.png: a moving 256x256 window (the ground truth) and the same window
# blurred and noised (the generated clip), written as PNG frames by the ffmpeg tool. tbd's time is the whole
# command (start-up and PNG decoding included), the reference's from its first frame read.
#
# The reference side needs .venv-eval (EVAL_BENCH_PYTHON; see scripts/make-eval-fixtures.py). Without it, tbd's
# figures only.
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
ROUNDS="${EVAL_BENCH_ROUNDS:-3}"
PY="${EVAL_BENCH_PYTHON:-.venv-eval/bin/python}"
CORE="${EVAL_BENCH_CORE:-0}"
SECONDS_LONG="${EVAL_BENCH_SECONDS:-10}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
source scripts/bench/machine.bash
make_work_folder
mkdir -p "$WORK/truth" "$WORK/generated"
window="scale=512:512,crop=256:256:'128+100*sin(t)':'128+100*cos(0.7*t)'"
ffmpeg -hide_banner -loglevel error -loop 1 -i data/astronaut.png -t "$SECONDS_LONG" -r 25 -vf "$window" "$WORK/truth/%04d.png"
ffmpeg -hide_banner -loglevel error -loop 1 -i data/astronaut.png -t "$SECONDS_LONG" -r 25 \
  -vf "$window,gblur=sigma=1.2,noise=alls=10:allf=t" "$WORK/generated/%04d.png"
have_reference=0
if [ -x "$PY" ] && "$PY" -c "import cpbd, skimage" 2>/dev/null; then have_reference=1; fi
machine_header
echo "one core (taskset -c $CORE) each side"
echo "clip: $(ls "$WORK/generated" | wc -l) frames of 256x256; ratio = tbd time / reference time (under 1.0: tbd faster)"
for round in $(seq "$ROUNDS"); do
  l1=$(load_now)
  start=$(date +%s.%N)
  taskset -c "$CORE" "$TBD_BIN" eval video "$WORK/generated" --reference "$WORK/truth" --json > "$WORK/ours-$round.json"
  end=$(date +%s.%N)
  echo "$start $end" > "$WORK/ours-time-$round.txt"
  l2=$(load_now)
  if [ "$have_reference" = 1 ]; then
    taskset -c "$CORE" "$PY" scripts/bench/eval-reference.py "$WORK/generated" "$WORK/truth" > "$WORK/reference-$round.json"
  fi
  echo "$l1|$l2|$(load_now)" > "$WORK/load-$round.txt"
done
python3 - "$WORK" "$ROUNDS" "$have_reference" <<'PY'
import json, os, sys
work, rounds, reference = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
ratios = []
for i in range(1, rounds + 1):
    ours = json.load(open(os.path.join(work, f"ours-{i}.json")))
    start, end = map(float, open(os.path.join(work, f"ours-time-{i}.txt")).read().split())
    loads = open(os.path.join(work, f"load-{i}.txt")).read().strip().split("|")
    line = f"  round {i}: tbd {end - start:.2f} s for {ours['frames']} pairs (load {loads[0]})"
    if reference:
        theirs = json.load(open(os.path.join(work, f"reference-{i}.json")))
        ratios.append((end - start) / theirs["seconds"])
        line += f", reference {theirs['seconds']:.2f} s (load {loads[1]}), ratio {ratios[-1]:.3f}"
        if i == 1:
            gap = {name: abs(ours["metrics"][name] - value) / abs(value) for name, value in theirs["metrics"].items()}
            print("  values: tbd " + ", ".join(f"{k} {v:.6f}" for k, v in ours["metrics"].items())
                  + "; relative difference " + ", ".join(f"{k} {v:.1e}" for k, v in gap.items()))
    print(line + f"; load after {loads[2]}")
if ratios:
    print(f"  median ratio {sorted(ratios)[len(ratios) // 2]:.3f}")
else:
    print("  (no .venv-eval: reference skipped)")
PY
