# Solver accuracy: how close DPM-Solver++ (2M) at 10 and 20 steps and DDIM at 20 and 40 steps come to a 500-step
# DDIM solution of the same probability-flow ODE from the same noise (40-step DPM-Solver++ rows show the trend), on
# the tiny random-weight model
# (`tbd model init-random --config tiny`, 16x16 latents), through `tbd render sample` (no VAE).
#
# So that every run solves the same ODE over the same interval, the checkpoint's scheduler file is rewritten to
# SD1.5's betas with `trailing` spacing (every run starts at t = 999) and `set_alpha_to_one` (DDIM's last step
# lands on the clean sample, as DPM-Solver++'s final sigma 0 does). Two conditions: one prompt for both stages
# (a fixed condition), and the paper's coarse-to-fine blend (the condition moves with the step, as rendered).
# Errors: relative L2 ||x - x_500|| / ||x_500|| and the largest element error over the largest |x_500|.
# Accuracy does not depend on machine load; the load average is printed anyway, next to the seconds.
#
# Environment: SOLVER_BENCH_CFG (3.5), SOLVER_BENCH_SEED (0, the noise).
set -euo pipefail
cd "$(dirname "$0")/../.."
TBD_BIN="${TBD_BIN_DIR:?set TBD_BIN_DIR to the release bin directory}/tbd"
CFG="${SOLVER_BENCH_CFG:-3.5}"
SEED="${SOLVER_BENCH_SEED:-0}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
MODEL="$WORK/tiny"
"$TBD_BIN" model init-random --config tiny --out "$MODEL" > /dev/null
cat > "$MODEL/scheduler/scheduler_config.json" <<'JSON'
{"_class_name": "DDIMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
 "clip_sample": false, "set_alpha_to_one": true, "steps_offset": 1, "prediction_type": "epsilon",
 "timestep_spacing": "trailing", "num_train_timesteps": 1000}
JSON

# The starting latent [1, 4, 16, 16] as a safetensors file, from Python's seeded Gaussian generator.
python3 - "$WORK/noise.safetensors" "$SEED" <<'PY'
import json, random, struct, sys
rng = random.Random(int(sys.argv[2]))
values = [rng.gauss(0, 1) for _ in range(4 * 16 * 16)]
header = json.dumps({"noise": {"dtype": "F32", "shape": [1, 4, 16, 16], "data_offsets": [0, 4 * len(values)]}}).encode()
header += b" " * (-len(header) % 8)
with open(sys.argv[1], "wb") as out:
    out.write(struct.pack("<Q", len(header)) + header + struct.pack(f"<{len(values)}f", *values))
PY

echo "load average before: $(cat /proc/loadavg)"
run() {  # condition sampler karras steps
  local name="$1-$2$3-$4" karras=()
  [ -n "$3" ] && karras=(--karras)
  local prompts=(--prompt "a face" --prompt "a face")
  [ "$1" = paper ] && prompts=(--prompt "a face" --prompt "a smiling face, cheeks raised, lip corners pulled up")
  "$TBD_BIN" render sample --model "$MODEL" "${prompts[@]}" --noise "$WORK/noise.safetensors" --steps "$4" \
    --split 0.4 --mode paper --sampler "$2" "${karras[@]}" --cfg "$CFG" --out "$WORK/$name.safetensors" --json \
    > "$WORK/$name.json"
}
for condition in fixed paper; do
  run "$condition" ddim "" 500
  for steps in 20 40; do run "$condition" ddim "" "$steps"; done
  for steps in 10 20 40; do run "$condition" dpm++2m "" "$steps"; run "$condition" dpm++2m -karras "$steps"; done
done
echo "load average after: $(cat /proc/loadavg)"

python3 - "$WORK" "$CFG" <<'PY'
import json, math, struct, sys
work, cfg = sys.argv[1], sys.argv[2]

def latents(name):
    data = open(f"{work}/{name}.safetensors", "rb").read()
    length = struct.unpack("<Q", data[:8])[0]
    entry = json.loads(data[8:8 + length])["latents"]
    start, end = entry["data_offsets"]
    return struct.unpack(f"<{(end - start) // 4}f", data[8 + length + start:8 + length + end])

print(f"cfg {cfg}; reference: DDIM 500 steps; error = ||x - x_500|| / ||x_500|| (max |x - x_500| / max |x_500|)")
print(f"{'condition':<10} {'sampler':<16} {'steps':>5} {'rel. L2 error':>13} {'max error':>10} {'seconds':>8}")
for condition in ("fixed", "paper"):
    reference = latents(f"{condition}-ddim-500")
    norm = math.sqrt(sum(v * v for v in reference))
    peak = max(abs(v) for v in reference)
    for sampler, steps in (("ddim", 20), ("ddim", 40), ("dpm++2m", 10), ("dpm++2m", 20), ("dpm++2m", 40),
                           ("dpm++2m-karras", 10), ("dpm++2m-karras", 20), ("dpm++2m-karras", 40)):
        name = f"{condition}-{sampler}-{steps}"
        ours = latents(name)
        error = math.sqrt(sum((a - b) ** 2 for a, b in zip(ours, reference))) / norm
        largest = max(abs(a - b) for a, b in zip(ours, reference)) / peak
        seconds = json.load(open(f"{work}/{name}.json"))["seconds"]
        print(f"{condition:<10} {sampler:<16} {steps:>5} {error:13.2e} {largest:10.2e} {seconds:8.2f}")
PY
