# Evaluation networks: FID's Inception features of 1,000 frames, `tbd model run inception` against pytorch-fid
# 0.3.0's InceptionV3([3]) (scripts/bench/inception-reference.py) on the same seeded random weights (converted for
# tbd by scripts/convert-eval-weights.py) and the same frames ([1000, 3, 64, 64] in [0, 1], resized to 299x299 inside
# both), each pinned to one core with taskset and one thread, in ROUNDS alternating rounds; median of the per-round
# ratios. tbd's time is the command's own (loading the weights included, process start-up not), the reference's
# from its first batch of 50 to its last. Round 1 also compares the two sets of features.
#
# Needs .venv-eval-nets (INCEPTION_BENCH_PYTHON; see scripts/make-eval-network-fixtures.py) for the weights and the
# reference; without it, nothing is measured.
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
ROUNDS="${INCEPTION_BENCH_ROUNDS:-2}"
FRAMES="${INCEPTION_BENCH_FRAMES:-1000}"
PY="${INCEPTION_BENCH_PYTHON:-.venv-eval-nets/bin/python}"
CORE="${INCEPTION_BENCH_CORE:-0}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
source scripts/bench/machine.bash
if ! { [ -x "$PY" ] && "$PY" -c "import pytorch_fid" 2>/dev/null; }; then
  echo "(no pytorch-fid in $PY: the Inception benchmark needs .venv-eval-nets, see scripts/make-eval-network-fixtures.py)"
  exit 0
fi
make_work_folder
"$PY" scripts/bench/inception-reference.py prepare "$WORK" --frames "$FRAMES"
machine_header
echo "one core (taskset -c $CORE) and one thread each side; $FRAMES frames of 64x64"
echo "ratio = tbd time / pytorch-fid time (under 1.0: tbd faster)"
for round in $(seq "$ROUNDS"); do
  l1=$(load_now)
  taskset -c "$CORE" "$TBD_BIN" model run inception --weights "$WORK/weights" --inputs "$WORK/frames.safetensors" \
    --out "$WORK/ours.safetensors" --json > "$WORK/ours-$round.json"
  l2=$(load_now)
  extra=()
  if [ "$round" = 1 ]; then extra=(--out "$WORK/theirs.safetensors"); fi
  taskset -c "$CORE" "$PY" scripts/bench/inception-reference.py run "$WORK" --threads 1 "${extra[@]}" > "$WORK/theirs-$round.json"
  echo "$l1|$l2|$(load_now)" > "$WORK/load-$round.txt"
done
"$PY" - "$WORK" "$ROUNDS" <<'PY'
import json, os, sys
from safetensors.numpy import load_file
work, rounds = sys.argv[1], int(sys.argv[2])
ours, theirs = load_file(os.path.join(work, "ours.safetensors"))["features"], load_file(os.path.join(work, "theirs.safetensors"))["features"]
scale = abs(theirs).mean()
print(f"  features {ours.shape}: largest difference {abs(ours - theirs).max() / scale:.1e} of their mean magnitude")
ratios = []
for i in range(1, rounds + 1):
    mine = json.load(open(os.path.join(work, f"ours-{i}.json")))
    other = json.load(open(os.path.join(work, f"theirs-{i}.json")))
    loads = open(os.path.join(work, f"load-{i}.txt")).read().strip().split("|")
    ratios.append(mine["seconds"] / other["seconds"])
    print(f"  round {i}: tbd {mine['seconds']:.1f} s (load {loads[0]}), pytorch-fid {other['seconds']:.1f} s (load {loads[1]}),"
          f" ratio {ratios[-1]:.3f}; load after {loads[2]}")
print(f"  median ratio {sorted(ratios)[len(ratios) // 2]:.3f}")
PY
