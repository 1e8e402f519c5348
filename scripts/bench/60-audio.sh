# Audio: wav2vec2-base-960h's architecture (random weights) on 10 s of speech with Hallo's alignment, tbd against
# PyTorch eager (transformers, float32, same thread count) in ROUNDS alternating rounds, median of the per-round
# ratios, peak memory of each process; then decoding + resampling a 3-minute 44.1 kHz stereo AAC M4A to 16 kHz
# mono float, in-process, against `ffmpeg -ar 16000 -ac 1` run as a process. `cat /proc/loadavg` is printed next
# to every figure: on a shared machine a ratio measured under load is not evidence of meeting a target.
#
# The PyTorch side needs torch and transformers: AUDIO_BENCH_PYTHON (default .venv/bin/python, the fixture
# environment of docs/renderer.md; the Hallo environment of docs/audio.md works too). Without it, tbd's figures only.
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
THREADS="${AUDIO_BENCH_THREADS:-2}"
REPEATS="${AUDIO_BENCH_REPEATS:-3}"
ROUNDS="${AUDIO_BENCH_ROUNDS:-3}"
PY="${AUDIO_BENCH_PYTHON:-.venv/bin/python}"
MODELS=.build/bench-models
MODEL=$MODELS/wav2vec2-base-random
SPEECH=$MODELS/speech-10s.wav
LONG=$MODELS/speech-3min.m4a
export OPENBLAS_NUM_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS"
load() { cut -d' ' -f1-3 /proc/loadavg; }
# Wall seconds since a `date +%s%N` stamp, to the microsecond, in shell arithmetic.
seconds_since() { local us=$(( ($(date +%s%N) - $1) / 1000 )); printf '%d.%06d' $((us / 1000000)) $((us % 1000000)); }
mkdir -p "$MODELS"

have_torch=0
if [ -x "$PY" ] && "$PY" -c "import torch, transformers" 2>/dev/null; then have_torch=1; fi
if [ "$have_torch" = 1 ]; then
  [ -f "$MODEL/model.safetensors" ] || "$PY" scripts/bench/audio-torch-reference.py make-model "$MODEL"
  [ -f "$SPEECH" ] || "$PY" scripts/bench/audio-torch-reference.py make-speech "$SPEECH"
fi
if [ ! -f "$LONG" ]; then
  # Three minutes of a gliding voiced tone with syllable-rate gating and noise, stereo, AAC 128 kb/s.
  ffmpeg -hide_banner -loglevel error -y -f lavfi \
    -i "aevalsrc=0.3*sin(2*PI*(140+40*sin(2*PI*0.7*t))*t)*gt(sin(2*PI*2.3*t)\,-0.3)|0.3*sin(2*PI*(150+40*sin(2*PI*0.7*t))*t)*gt(sin(2*PI*2.3*t)\,-0.3):s=44100:d=180" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.02:sample_rate=44100:duration=180" \
    -filter_complex "[0][1]amix=inputs=2:normalize=0[a]" -map "[a]" -ac 2 -c:a aac -b:a 128k "$LONG"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "threads: $THREADS; ratio = tbd time / reference time (under 1.0: tbd faster)"

if [ "$have_torch" = 1 ] && [ -f "$MODEL/model.safetensors" ] && [ -f "$SPEECH" ]; then
  echo
  echo "wav2vec2-base-960h architecture, random weights, 10 s of speech -> [250, 12, 768] (Hallo's alignment, 25 fps):"
  for round in $(seq "$ROUNDS"); do
    l1=$(load)
    "$TBD_BIN" model bench-audio --model "$MODEL" --audio "$SPEECH" --repeats "$REPEATS" --json > "$WORK/ours-$round.json"
    l2=$(load)
    "$PY" scripts/bench/audio-torch-reference.py time "$MODEL" "$SPEECH" --threads "$THREADS" --repeats "$REPEATS" \
      > "$WORK/torch-$round.json" 2>/dev/null
    l3=$(load)
    echo "$l1|$l2|$l3" > "$WORK/load-$round.txt"
  done
  python3 - "$WORK" "$ROUNDS" <<'PY'
import json, os, sys
work, rounds = sys.argv[1], int(sys.argv[2])
ratios = []
for i in range(1, rounds + 1):
    ours = json.load(open(os.path.join(work, f"ours-{i}.json")))
    theirs = json.load(open(os.path.join(work, f"torch-{i}.json")))
    loads = open(os.path.join(work, f"load-{i}.txt")).read().strip().split("|")
    ratio = ours["encode_seconds"] / theirs["encode_seconds"]
    ratios.append(ratio)
    print(f"  round {i}: tbd {ours['encode_seconds']:.3f} s (peak {ours['peak_resident_bytes'] / 2**20:.0f} MiB, load {loads[0]}), "
          f"PyTorch {theirs['encode_seconds']:.3f} s (peak {theirs['peak_resident_bytes'] / 2**20:.0f} MiB, load {loads[1]}), "
          f"ratio {ratio:.2f}; load after {loads[2]}")
print(f"  median ratio {sorted(ratios)[len(ratios) // 2]:.2f}")
PY
else
  echo "(no PyTorch environment at $PY: wav2vec 2.0 comparison skipped)"
fi

echo
echo "decode + resample a 3-minute 44.1 kHz stereo AAC M4A to 16 kHz mono Float32:"
for round in $(seq "$ROUNDS"); do
  l1=$(load)
  ours=$("$TBD_BIN" model bench-audio --decode "$LONG" --repeats "$REPEATS" --json)
  l2=$(load)
  start=$(date +%s%N)
  "$TBD_BIN" model bench-audio --decode "$LONG" --repeats 1 --json > /dev/null
  ours_process=$(seconds_since "$start")
  times=()
  for _ in $(seq "$REPEATS"); do
    start=$(date +%s%N)
    ffmpeg -hide_banner -loglevel error -y -i "$LONG" -ar 16000 -ac 1 -f f32le "$WORK/ffmpeg.f32"
    times+=("$(seconds_since "$start")")
  done
  l3=$(load)
  ffmpeg_s=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (REPEATS + 1) / 2 ))p")
  python3 - "$ours" "$ours_process" "$ffmpeg_s" "$l1" "$l2" "$l3" <<'PY'
import json, sys
ours = json.loads(sys.argv[1]); process = float(sys.argv[2]); ff = float(sys.argv[3])
print(f"  tbd in-process {ours['decode_seconds']:.3f} s ({ours['decoded_samples']} samples, load {sys.argv[4]}); "
      f"tbd whole process {process:.3f} s (load {sys.argv[5]}); ffmpeg process {ff:.3f} s (load {sys.argv[6]}); "
      f"ratio in-process/ffmpeg {ours['decode_seconds'] / ff:.2f}, process/process {process / ff:.2f}")
print(ours['decode_seconds'] / ff)
PY
done | tee "$WORK/decode.txt" | grep -v '^[0-9.]*$'
python3 - "$WORK/decode.txt" <<'PY'
import sys
ratios = sorted(float(line) for line in open(sys.argv[1]) if line.strip().replace(".", "", 1).isdigit())
print(f"  median ratio in-process/ffmpeg {ratios[len(ratios) // 2]:.2f}")
PY
