# FVD's I3D: `tbd model run i3d` on VIDEOS videos of 16 frames of 64x64 (each resized to 224x224 inside, as FVD's
# windows are) against piergiaj/pytorch-i3d's InceptionI3d with StyleGAN-V's preprocessing
# (scripts/bench/i3d-torch-reference.py), on the same random weights and inputs and the same thread count
# (THREADS, default 2), in ROUNDS alternating rounds. tbd's time is the network's (the `seconds` `model run`
# reports: after the weights and inputs are read), the reference's likewise.
#
# Needs .venv-i3d (I3D_BENCH_PYTHON; see scripts/make-i3d-fixtures.py) and a piergiaj/pytorch-i3d checkout or bare
# git directory (I3D_SRC); without them it says so and does nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
PY="${I3D_BENCH_PYTHON:-.venv-i3d/bin/python}"
SRC="${I3D_SRC:-}"
# Both sides need the reference: without it the benchmark says why and stops, so `make bench` goes on.
if [ -z "$SRC" ] || [ ! -d "$SRC" ] || ! [ -x "$PY" ] || ! "$PY" -c "import torch, safetensors" 2>/dev/null; then
  echo "(skipped: needs I3D_SRC, a piergiaj/pytorch-i3d checkout or bare git directory, and $PY with torch and safetensors)"
  exit 0
fi
ROUNDS="${I3D_BENCH_ROUNDS:-3}"
THREADS="${I3D_BENCH_THREADS:-2}"
VIDEOS="${I3D_BENCH_VIDEOS:-2}"
export OPENBLAS_NUM_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS"
source scripts/bench/machine.bash
make_work_folder
"$PY" - "$WORK" "$VIDEOS" <<'PY'
import os, sys
import torch
from safetensors.torch import save_file
work, videos = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, "scripts")
import importlib.util
spec = importlib.util.spec_from_file_location("fixtures", "scripts/make-i3d-fixtures.py")
fixtures = importlib.util.module_from_spec(spec); spec.loader.exec_module(fixtures)
seeded = fixtures.seeded_weights_module()
i3d = fixtures.piergiaj_module(os.environ["I3D_SRC"], work)
torch.save(seeded.random_state_dict(i3d.InceptionI3d(400, in_channels=3), 7), os.path.join(work, "rgb.pt"))
generator = torch.Generator().manual_seed(7)
save_file({"videos": torch.rand(videos, 3, 16, 64, 64, generator=generator)}, os.path.join(work, "videos.safetensors"))
PY
"$PY" scripts/convert-eval-weights.py --out "$WORK/weights" --i3d "$WORK/rgb.pt" > /dev/null
machine_header
echo "$VIDEOS videos of 16 frames of 64x64, resized to 224x224; $THREADS threads each side; ratio = tbd / reference (under 1.0: tbd faster)"
for round in $(seq "$ROUNDS"); do
  l1=$(load_now)
  "$TBD_BIN" model run i3d --weights "$WORK/weights" --inputs "$WORK/videos.safetensors" --out "$WORK/ours.safetensors" --json > "$WORK/ours-$round.json"
  l2=$(load_now)
  "$PY" scripts/bench/i3d-torch-reference.py --i3d-source "$SRC" --weights "$WORK/rgb.pt" --inputs "$WORK/videos.safetensors" \
    --threads "$THREADS" > "$WORK/reference-$round.json"
  echo "$l1|$l2|$(load_now)" > "$WORK/load-$round.txt"
done
"$PY" - "$WORK" "$ROUNDS" <<'PY'
import json, os, statistics, sys
from safetensors.numpy import load_file
work, rounds = sys.argv[1], int(sys.argv[2])
ours_features = load_file(os.path.join(work, "ours.safetensors"))["features"].flatten()
ratios = []
for i in range(1, rounds + 1):
    ours = json.load(open(os.path.join(work, f"ours-{i}.json")))
    theirs = json.load(open(os.path.join(work, f"reference-{i}.json")))
    loads = open(os.path.join(work, f"load-{i}.txt")).read().strip().split("|")
    ratios.append(ours["seconds"] / theirs["seconds"])
    print(f"  round {i}: tbd {ours['seconds']:.2f} s (load {loads[0]}), reference {theirs['seconds']:.2f} s (load {loads[1]}), "
          f"ratio {ratios[-1]:.3f}; load after {loads[2]}")
scale = sum(abs(v) for v in theirs["features"]) / len(theirs["features"])
worst = max(abs(a - b) for a, b in zip(ours_features, theirs["features"])) / scale
print(f"median ratio {statistics.median(ratios):.3f}; features differ by at most {worst:.1e} of their mean magnitude")
PY
