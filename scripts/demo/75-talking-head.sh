# A talking-head clip driven by a sample MEAD unit's own speech (ACTOR/audio/EMOTION/LEVEL/NNN.m4a): the
# ReferenceNet carries the unit's reference frame, audio attention the speech, motion attention ties the frames of
# each window. The reference is cut to a square around its face, and the face and lip masks of Hallo's audio
# attention come from the same detection: NAME-face.png shows the crop, the face box, the landmarks and the mask
# regions. The checkpoint is a tiny random-weight one made on the spot: UNTRAINED WEIGHTS DRAW NOISE, NOT FACES.
# For real weights see scripts/convert-hallo.py and docs/renderer.md (no trained Think-Before-Draw weights are public).
set -euo pipefail
mkdir -p data/out
model=data/out/tiny-random-talking
clip="$PWD/data/mead-sample/M003/video/front/happy/level_1/001.mp4"
[ -f "$clip" ] || scripts/make-sample-mead.sh data/mead-sample >/dev/null
if [ ! -f "$model/model_index.json" ]; then
  echo "\$ tbd model init-random --config talking-tiny --out $model"
  "$TBD" model init-random --config talking-tiny --out "$model"
fi
pairs=data/out/talking-demo-pairs.jsonl
cat > "$pairs" <<JSONL
{"annotation_id": 1, "revision": 1, "emotion": "happy", "coarse_prompt": "a photo of a smiling face", "fine_prompt": "a face, AU6 cheek raiser (orbicularis oculi), AU12 lip corner puller (zygomaticus major)", "source_path": "$clip"}
JSONL
run=(--pairs "$pairs" --model "$model" --out data/out/talking --steps 8 --audio auto --reference auto)
echo "\$ tbd render ${run[*]}"
"$TBD" render "${run[@]}"
echo "\$ (again: the finished clip is skipped)"
"$TBD" render "${run[@]}"
if command -v ffprobe >/dev/null; then
  for video in data/out/talking/*.mp4; do
    frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$video")
    audio=$(ffprobe -v error -select_streams a:0 -show_entries stream=codec_name -of csv=p=0 "$video")
    echo "$video: $frames frames, audio: ${audio:-none}"
  done
fi
for picture in data/out/talking/*-face.png; do echo "crop and masks: $picture"; done
echo "This clip comes from random weights: noise, not a face."
