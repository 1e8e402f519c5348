# Faces: the MTCNN cascade on data/astronaut.png (512x512, one face) and on a 1280x720 picture of several faces,
# tbd against facenet-pytorch 2.6.0's MTCNN (same trained weights, same defaults), both pinned to one core with
# taskset, in ROUNDS alternating rounds; median of the per-round ratios. `cat /proc/loadavg` beside every figure.
#
# The reference side needs facenet-pytorch: FACES_BENCH_PYTHON (default .venv-faces/bin/python, the environment of
# scripts/make-face-fixtures.py). Without it, tbd's figures only.
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
REPEATS="${FACES_BENCH_REPEATS:-5}"
ROUNDS="${FACES_BENCH_ROUNDS:-3}"
PY="${FACES_BENCH_PYTHON:-.venv-faces/bin/python}"
CORE="${FACES_BENCH_CORE:-0}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
source scripts/bench/machine.bash
make_work_folder
# Several faces at 720p: the astronaut at three sizes on a neutral ground (made here, not kept).
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "color=c=0x707880:s=1280x720" -i data/astronaut.png \
  -filter_complex "[1]split=3[a][b][c];[a]scale=400:400[a1];[b]scale=260:260,hflip[b1];[c]scale=160:160[c1];[0][a1]overlay=60:160[x];[x][b1]overlay=620:80[y];[y][c1]overlay=1000:420" \
  -frames:v 1 "$WORK/several-720p.png"
have_reference=0
if [ -x "$PY" ] && "$PY" -c "import facenet_pytorch" 2>/dev/null; then have_reference=1; fi
machine_header
echo "one core (taskset -c $CORE) each side"
echo "ratio = tbd time / facenet-pytorch time (under 1.0: tbd faster)"
for image in data/astronaut.png "$WORK/several-720p.png"; do
  echo
  echo "$(basename "$image"):"
  for round in $(seq "$ROUNDS"); do
    l1=$(load_now)
    taskset -c "$CORE" "$TBD_BIN" model bench-faces --image "$image" --repeats "$REPEATS" --json > "$WORK/ours-$round.json"
    l2=$(load_now)
    if [ "$have_reference" = 1 ]; then
      taskset -c "$CORE" "$PY" scripts/bench/faces-torch-reference.py "$image" --threads 1 --repeats "$REPEATS" \
        > "$WORK/torch-$round.json" 2>/dev/null
    fi
    echo "$l1|$l2|$(load_now)" > "$WORK/load-$round.txt"
  done
  python3 - "$WORK" "$ROUNDS" "$have_reference" <<'PY'
import json, os, sys
work, rounds, reference = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
ratios = []
for i in range(1, rounds + 1):
    ours = json.load(open(os.path.join(work, f"ours-{i}.json")))
    loads = open(os.path.join(work, f"load-{i}.txt")).read().strip().split("|")
    line = f"  round {i}: tbd {ours['seconds']:.3f} s, {ours['faces']} face(s) (peak {ours['peak_resident_bytes'] / 2**20:.0f} MiB, load {loads[0]})"
    if reference:
        theirs = json.load(open(os.path.join(work, f"torch-{i}.json")))
        ratios.append(ours["seconds"] / theirs["seconds"])
        line += (f", facenet-pytorch {theirs['seconds']:.3f} s, {theirs['faces']} face(s) "
                 f"(peak {theirs['peak_resident_bytes'] / 2**20:.0f} MiB, load {loads[1]}), ratio {ratios[-1]:.2f}")
    print(line + f"; load after {loads[2]}")
if ratios:
    print(f"  median ratio {sorted(ratios)[len(ratios) // 2]:.2f}")
else:
    print("  (no facenet-pytorch environment: reference skipped)")
PY
done
