#!/usr/bin/env bash
# Builds a small MEAD-shaped tree for the demo and tests: two actors (plus W021's extra folder level), every emotion
# and level, front and left_30 views, two short clips each encoded with ffmpeg from the public-domain portrait,
# audio files, a stray file and a deliberately corrupt clip.
# Usage: scripts/make-sample-mead.sh [OUT_DIR]   (default data/mead-sample; re-running rebuilds it)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-data/mead-sample}"
portrait="data/astronaut.png"
command -v ffmpeg >/dev/null || { echo "make-sample-mead: ffmpeg is required (scripts/install-deps.sh installs it)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -f "$portrait" ]; then
  input=(-loop 1 -i "$portrait")
else
  input=(-f lavfi -i "testsrc=size=128x128:rate=25")
fi
# Two base clips, one per codec the annotator must read: H.264 and MPEG-4 part 2, 0.4 s at 25 fps, 128x128.
ffmpeg -hide_banner -loglevel error "${input[@]}" -t 0.4 -r 25 -vf "scale=128:128,format=yuv420p" -c:v libx264 -preset ultrafast "$work/h264.mp4"
ffmpeg -hide_banner -loglevel error "${input[@]}" -t 0.4 -r 25 -vf "scale=128:128,format=yuv420p" -c:v mpeg4 -q:v 4 "$work/mpeg4.mp4"
ffmpeg -hide_banner -loglevel error -f lavfi -i "sine=frequency=440:duration=0.4" -c:a aac "$work/audio.m4a"

emotions=(angry contempt disgusted fear happy neutral sad surprised)
count=0
for actor in M003 W009 W021; do
  for view in front left_30; do
    for emotion in "${emotions[@]}"; do
      levels=(1 2 3)
      [ "$emotion" = neutral ] && levels=(1)
      for level in "${levels[@]}"; do
        folder="$out/$actor/video/$view/$emotion/level_$level"
        # W021 carries the known extra folder level: video/1/front/...
        [ "$actor" = W021 ] && folder="$out/$actor/video/1/$view/$emotion/level_$level"
        mkdir -p "$folder" "$out/$actor/audio/$emotion/level_$level"
        cp "$work/h264.mp4" "$folder/001.mp4"
        cp "$work/mpeg4.mp4" "$folder/002.mp4"
        cp "$work/audio.m4a" "$out/$actor/audio/$emotion/level_$level/001.m4a"
        count=$((count + 2))
      done
    done
  done
done
# The trouble a real tree has: a corrupt clip (a truncated H.264 file), a zero-length clip, and stray files.
head -c 700 "$work/h264.mp4" > "$out/M003/video/front/angry/level_1/003.mp4"
: > "$out/W009/video/front/sad/level_2/003.mp4"
echo "recorded 2019" > "$out/M003/video/front/notes.txt"
touch "$out/M003/.DS_Store"
echo "make-sample-mead: $count clips, 2 broken clips and 2 stray files under $out"
