# Rendering approved prompt pairs to MP4 with progressive-guidance DDIM sampling. The checkpoint here is a tiny
# random-weight one made on the spot: UNTRAINED WEIGHTS DRAW NOISE, NOT FACES. The clips show that the whole path
# runs (text encoder, UNet, DDIM with CFG, coarse-to-fine conditioning, VAE, MP4/PNG writing, resumable runs);
# for faces, point --model at a real SD1.5-family checkpoint in diffusers format (see docs/renderer.md).
set -euo pipefail
mkdir -p data/out
db="${TBD_DB:-data/tbd.sqlite}"
model=data/out/tiny-random-sd
run=(--model "$model" --out data/out/renders --limit 2 --frames 8 --steps 10)
if [ ! -f "$model/model_index.json" ]; then
  echo "\$ tbd model init-random --config tiny --out $model"
  "$TBD" model init-random --config tiny --out "$model"
fi
approved=""
[ -f "$db" ] && approved=$("$TBD" review list --db "$db" --status approved --json)
if [[ "$approved" == *'"coarse_prompt"'* ]]; then
  source=(--approved --db "$db")
else
  pairs=data/out/render-demo-pairs.jsonl
  echo "(no approved annotations in $db; rendering two sample pairs from $pairs)"
  cat > "$pairs" <<'JSONL'
{"annotation_id": 1, "revision": 1, "emotion": "happy", "coarse_prompt": "a photo of a smiling face", "fine_prompt": "a face, lip corners pulled up and back, cheeks raised, crow's feet at the eyes"}
{"annotation_id": 2, "revision": 1, "emotion": "surprised", "coarse_prompt": "a photo of a surprised face", "fine_prompt": "a face, brows raised high, upper lids raised, jaw dropped"}
JSONL
  source=(--pairs "$pairs")
fi
echo "\$ tbd render ${source[*]} ${run[*]}"
"$TBD" render "${source[@]}" "${run[@]}"
echo "\$ (again: finished renders are skipped)"
"$TBD" render "${source[@]}" "${run[@]}"
if command -v ffprobe >/dev/null; then
  for clip in data/out/renders/*.mp4; do
    echo "$clip: $(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$clip") frames"
  done
fi
echo "These clips come from random weights: noise, not faces."
