# The training loop on the demo's data: the approved pairs' clips as shards (`tbd train prepare`), three stage-2
# steps of the trainer (train/, PyTorch + accelerate, in .venv-scripts) on the tiny random-weight checkpoint, the
# result exported as a talking checkpoint folder, and `tbd render` drawing with it. Real training runs need GPUs
# (docs/training.md); these weights are untrained noise before and after.
set -euo pipefail
model=data/out/tiny-random-talking
[ -f "$model/model_index.json" ] || "$TBD" model init-random --config talking-tiny --out "$model"
scripts/python-env.sh
# This step's own outputs from an earlier demo run; the trainer refuses to export over a folder that is not empty.
rm -rf data/out/train-run data/out/trained-talking data/out/trained-render
echo "\$ tbd train prepare --out data/out/train-data --model $model --size 64 --min-frames 6"
"$TBD" train prepare --out data/out/train-data --model "$model" --size 64 --min-frames 6
echo "\$ python -m tbd_train stage2 --config train/tbd_train/configs/demo.yaml --data data/out/train-data --output-dir data/out/train-run --export data/out/trained-talking"
PYTHONPATH=train .venv-scripts/bin/python -m tbd_train stage2 --config train/tbd_train/configs/demo.yaml \
  --data data/out/train-data --output-dir data/out/train-run --export data/out/trained-talking
echo "\$ tbd render --pairs data/out/talking-demo-pairs.jsonl --model data/out/trained-talking --steps 4"
"$TBD" render --pairs data/out/talking-demo-pairs.jsonl --model data/out/trained-talking --out data/out/trained-render \
  --steps 4 --audio auto --reference auto
echo "Trained for three steps from random weights: still noise, not a face."
