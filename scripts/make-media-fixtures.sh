#!/usr/bin/env bash
# Makes the tiny media files the MediaIO tests decode, with the ffmpeg command-line tool.
# The clips show one solid colour per frame, so a test can check decoded pixels against known values.
# Output: Tests/MediaIOTests/Fixtures (committed; rerun only to change them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=Tests/MediaIOTests/Fixtures
mkdir -p "$out"
ff=(ffmpeg -hide_banner -loglevel error -y)

# Six frames at 5 fps, 64x48, one solid colour each: red, green, blue, yellow, cyan, magenta (the colours the
# tests expect, in order). Written as raw RGB first so the encoders see exactly these values.
colours=('\xc8\x32\x32' '\x32\xc8\x32' '\x32\x32\xc8' '\xc8\xc8\x32' '\x32\xc8\xc8' '\xc8\x32\xc8')
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
for colour in "${colours[@]}"; do
  for _ in $(seq $((64 * 48))); do printf "$colour"; done
done > "$raw"
rawin=(-f rawvideo -pix_fmt rgb24 -s 64x48 -r 5 -i "$raw")

"${ff[@]}" "${rawin[@]}" -c:v libx264 -preset medium -crf 10 -bf 2 -g 6 -pix_fmt yuv420p \
  -fflags +bitexact -flags:v +bitexact -map_metadata -1 "$out/colours-h264.mp4"
"${ff[@]}" "${rawin[@]}" -c:v mpeg4 -q:v 2 -pix_fmt yuv420p \
  -fflags +bitexact -flags:v +bitexact -map_metadata -1 "$out/colours-mpeg4.mp4"

# One second at 10 fps with a 440 Hz tone in AAC: the clip-with-audio case.
"${ff[@]}" -f lavfi -i "color=c=0x808080:s=64x48:r=10:d=1" -f lavfi -i "sine=frequency=440:sample_rate=16000:duration=1" \
  -c:v libx264 -crf 20 -pix_fmt yuv420p -c:a aac -b:a 32k -ac 1 -shortest \
  -fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1 "$out/with-audio.mp4"

# Half a second of 8 kHz mono PCM: audio that MP4 cannot carry as is, so the writer re-encodes it to AAC.
"${ff[@]}" -f lavfi -i "sine=frequency=330:sample_rate=8000:duration=0.5" -c:a pcm_s16le \
  -fflags +bitexact -flags:a +bitexact -map_metadata -1 "$out/tone.wav"

# Stills 40x30: left half 0x336699, right half 0xCC8844 (drawn in RGB so the PNG holds these values exactly).
"${ff[@]}" -f lavfi -i "color=c=0x336699:s=40x30,format=rgb24,drawbox=x=20:y=0:w=20:h=30:color=0xCC8844:t=fill" \
  -frames:v 1 -update 1 -fflags +bitexact -flags:v +bitexact "$out/still.png"
"${ff[@]}" -i "$out/still.png" -q:v 2 -pix_fmt yuvj444p -fflags +bitexact -flags:v +bitexact -update 1 "$out/still.jpg"

# Broken inputs: cut in half (the index sits at the end, so the container is unreadable), empty, and text.
size=$(stat -c %s "$out/colours-h264.mp4")
head -c $((size / 2)) "$out/colours-h264.mp4" > "$out/truncated.mp4"
: > "$out/empty.mp4"
printf 'This is a text file, not a video.\nIt only has an .mp4 name.\n' > "$out/not-video.mp4"

du -ch "$out"/* | tail -1
