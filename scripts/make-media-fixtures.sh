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
tmpdir=$(mktemp -d)
trap 'rm -rf "$raw" "$tmpdir"' EXIT
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

# Audio inputs for AudioDecoder: a third of a second of a two-tone chord with a gliding third tone, stereo at
# 44.1 kHz (so decoding must mix down and resample), as PCM WAV, AAC in M4A, MP3 and FLAC. Beside each, the
# ffmpeg tool's own conversion to 16 kHz mono float (`-ar 16000 -ac 1`, its aresample step) as raw little-endian
# Float32, the reference the tests compare the library's resampling with.
chord="aevalsrc=0.3*sin(2*PI*220*t)+0.2*sin(2*PI*330*t)+0.1*sin(2*PI*(500+800*t)*t)|0.3*sin(2*PI*220*t)-0.2*sin(2*PI*550*t):s=44100:d=0.3"
"${ff[@]}" -f lavfi -i "$chord" -c:a pcm_s16le -fflags +bitexact -flags:a +bitexact -map_metadata -1 "$out/chord.wav"
"${ff[@]}" -i "$out/chord.wav" -c:a aac -b:a 48k -fflags +bitexact -flags:a +bitexact -map_metadata -1 "$out/chord.m4a"
"${ff[@]}" -i "$out/chord.wav" -c:a libmp3lame -b:a 48k -fflags +bitexact -flags:a +bitexact -map_metadata -1 -write_xing 0 "$out/chord.mp3"
"${ff[@]}" -i "$out/chord.wav" -c:a flac -fflags +bitexact -flags:a +bitexact -map_metadata -1 "$out/chord.flac"
for name in chord.wav chord.m4a chord.mp3 chord.flac; do
  "${ff[@]}" -i "$out/$name" -ar 16000 -ac 1 -f f32le "$out/$name.16k.f32"
done
# Broken audio: an M4A with its index at the front cut to a third (the sample table promises more than is there).
"${ff[@]}" -i "$out/chord.wav" -c:a aac -b:a 48k -movflags +faststart -fflags +bitexact -flags:a +bitexact \
  -map_metadata -1 "$tmpdir/front-index.m4a"
size=$(stat -c %s "$tmpdir/front-index.m4a")
head -c $((size / 3)) "$tmpdir/front-index.m4a" > "$out/truncated.m4a"

# Broken inputs: cut in half (the index sits at the end, so the container is unreadable), empty, and text.
size=$(stat -c %s "$out/colours-h264.mp4")
head -c $((size / 2)) "$out/colours-h264.mp4" > "$out/truncated.mp4"
: > "$out/empty.mp4"
printf 'This is a text file, not a video.\nIt only has an .mp4 name.\n' > "$out/not-video.mp4"

du -ch "$out"/* | tail -1
