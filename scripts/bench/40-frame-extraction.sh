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

# One run of each tool on a clip, alternating, so both see the same load on a shared machine.
ours() {
  if [ "$2" = cached ]; then
    "$tbd" media frame --input "$1" --out "$work/ours.jpg" --cache "$work/cache" --json
  else
    "$tbd" media frame --input "$1" --choice "$2" --out "$work/ours.jpg" --json
  fi
}
theirs() {
  if [ "$2" = first ] || [ "$2" = cached ]; then
    ffmpeg -hide_banner -loglevel error -y -i "$1" -frames:v 1 -q:v 2 "$work/theirs.jpg"
  else
    ffmpeg -hide_banner -loglevel error -y -ss "$2" -i "$1" -frames:v 1 -q:v 2 "$work/theirs.jpg"
  fi
}

# Warm-up: page cache, dynamic libraries.
ours "$work/source.mp4" first >/dev/null
theirs "$work/source.mp4" first

echo "clips: $clips x $size H.264 30 fps 3 s (+AAC); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %14s %14s %8s %22s\n' choice "tbd ms/clip" "ffmpeg ms/clip" ratio "tbd in-process ms/clip"
# The cache row: every clip's first frame is already in tbd's frame cache (a re-run of a batch).
for clip in "$work"/clip-*.mp4; do ours "$clip" cached >/dev/null; done
for pair in "first first" "middle 1.5" "cached cached"; do
  set -- $pair
  ours_ns=0
  theirs_ns=0
  : >"$work/ours.json"
  for clip in "$work"/clip-*.mp4; do
    t0=$(date +%s%N)
    ours "$clip" "$1" >>"$work/ours.json"
    t1=$(date +%s%N)
    theirs "$clip" "$2"
    t2=$(date +%s%N)
    ours_ns=$((ours_ns + t1 - t0))
    theirs_ns=$((theirs_ns + t2 - t1))
  done
  inside=$(grep -o '"elapsed_seconds" : [0-9.e-]*' "$work/ours.json" | awk '{s += $3} END {print s}')
  awk -v c="$1" -v o="$ours_ns" -v t="$theirs_ns" -v i="$inside" -v n="$clips" \
    'BEGIN {printf "%-8s %14.1f %14.1f %8.2f %22.1f\n", c, o / 1e6 / n, t / 1e6 / n, o / t, i * 1000 / n}'
done
echo "ratio = tbd time / ffmpeg time, both one process per clip (below 1: tbd is faster);"
echo "cached = first frame again with --cache, every clip already cached (ffmpeg: first frame as above)"
