# Sourced by 65-talking.sh and 66-talking-512.sh after their `cd` to the repository root: what both talking-head
# benchmarks set up and measure the same way. Not named *.sh, so scripts/bench.sh does not run it on its own.
#
# Sets TBD_BIN, THREADS (TALKING_BENCH_THREADS, 2), MODEL (the random-weight talking-sd15 checkpoint, made when
# missing) and WORK (a folder removed on exit); defines talking_inputs and float32_weight_bytes.
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
THREADS="${TALKING_BENCH_THREADS:-2}"
MODEL=.build/bench-models/talking-sd15
export OPENBLAS_NUM_THREADS="$THREADS"
if [ ! -f "$MODEL/model_index.json" ]; then
  echo "making the random-weight talking-sd15 checkpoint in $MODEL (several GB, not committed)"
  "$TBD_BIN" model init-random --config talking-sd15 --out "$MODEL"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# $WORK/speech.wav and $WORK/face.png: speech of 0.64 s at 25 fps (16 frames, one window) and a plain face (a flat
# colour the face detector finds nothing in, so the renders take it with `--crop none`).
talking_inputs() {
  ffmpeg -hide_banner -loglevel error -f lavfi -i "sine=frequency=220:duration=0.64" -ar 16000 -ac 1 "$WORK/speech.wav"
  ffmpeg -hide_banner -loglevel error -f lavfi -i "color=c=0xb48c78:s=512x512" -frames:v 1 "$WORK/face.png"
}

# The checkpoint's weights of all networks as Float32, in bytes (4 x the parameters its safetensors headers list).
float32_weight_bytes() {
  python3 - "$MODEL" <<'PY'
import glob, json, struct, sys
model = sys.argv[1]

def parameters(path):
    with open(path, "rb") as handle:
        header = json.loads(handle.read(struct.unpack("<Q", handle.read(8))[0]))
    total = 0
    for key, entry in header.items():
        if key != "__metadata__":
            count = 1
            for dimension in entry["shape"]:
                count *= dimension
            total += count
    return total

print(4 * sum(parameters(path) for path in glob.glob(f"{model}/*/*.safetensors")))
PY
}
