#!/usr/bin/env bash
# Reference-frame extraction per clip: `tbd media frame` (MediaIO: libavformat/libavcodec decode, libswscale,
# libavcodec MJPEG) against the ffmpeg tool doing the same job (`ffmpeg -frames:v 1`), both run as one process per
# clip, over MEAD-like clips (1920x1080 H.264, 30 fps, 3 s, AAC audio). Prints milliseconds per clip and the ratio.
# Env: TBD_BIN_DIR (release bin dir), BENCH_CLIPS (default 50), BENCH_SIZE (default 1920x1080).
set -euo pipefail
cd "$(dirname "$0")/../.."
tbd="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin dir}/tbd"
clips=${BENCH_CLIPS:-50}
size=${BENCH_SIZE:-1920x1080}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One clip, copied under distinct names: every run reads the same bytes, from the page cache after the first.
ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc2=size=$size:rate=30:duration=3" \
  -f lavfi -i "sine=frequency=220:sample_rate=48000:duration=3" \
  -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -g 30 -c:a aac -b:a 96k "$work/source.mp4"
for i in $(seq -w 1 "$clips"); do cp "$work/source.mp4" "$work/clip-$i.mp4"; done

now() { date +%s.%N; }
run_ours() { local choice=$1 start end; start=$(now)
  for clip in "$work"/clip-*.mp4; do
    "$tbd" media frame --input "$clip" --choice "$choice" --out "$work/ours.jpg" --json >>"$work/ours-$choice.json"
  done
  end=$(now); awk -v a="$start" -v b="$end" 'BEGIN {print b - a}'; }
run_ffmpeg() { local seek=$1 start end; start=$(now)
  for clip in "$work"/clip-*.mp4; do
    if [ "$seek" = 0 ]; then
      ffmpeg -hide_banner -loglevel error -y -i "$clip" -frames:v 1 -q:v 2 "$work/theirs.jpg"
    else
      ffmpeg -hide_banner -loglevel error -y -ss "$seek" -i "$clip" -frames:v 1 -q:v 2 "$work/theirs.jpg"
    fi
  done
  end=$(now); awk -v a="$start" -v b="$end" 'BEGIN {print b - a}'; }

# Warm-up: page cache, dynamic libraries.
run_ours first >/dev/null; run_ffmpeg 0 >/dev/null; rm -f "$work"/ours-*.json

echo "clips: $clips x $size H.264 30 fps 3 s (+AAC); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-8s %14s %14s %8s %22s\n' choice "tbd ms/clip" "ffmpeg ms/clip" ratio "tbd in-process ms/clip"
for pair in "first 0" "middle 1.5"; do
  set -- $pair
  ours=$(run_ours "$1")
  theirs=$(run_ffmpeg "$2")
  inside=$(grep -o '"elapsed_seconds" : [0-9.e-]*' "$work/ours-$1.json" | awk '{s += $3} END {print s}')
  awk -v c="$1" -v o="$ours" -v t="$theirs" -v i="$inside" -v n="$clips" \
    'BEGIN {printf "%-8s %14.1f %14.1f %8.2f %22.1f\n", c, o * 1000 / n, t * 1000 / n, o / t, i * 1000 / n}'
done
echo "ratio = tbd time / ffmpeg time (below 1: tbd is faster)"
