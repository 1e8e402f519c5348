#!/usr/bin/env bash
# Creates or updates .venv-scripts, the Python environment the converter-script tests run the scripts with, from
# scripts/requirements-scripts.txt. A stamp inside it holds the SHA-256 of the requirements file it was installed
# from: when that still matches, this does nothing, so `make test` can run it every time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="$root/scripts/requirements-scripts.txt"
venv="$root/.venv-scripts"
stamp="$venv/requirements.sha256"
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  exit 0
fi
echo "Installing scripts/requirements-scripts.txt into .venv-scripts"
if ! python3 -m venv "$venv"; then
  echo "python-env.sh: 'python3 -m venv' failed: Python 3 with its venv module is needed (Debian: python3-venv)" >&2
  exit 1
fi
# No stamp while installing: an install that stops halfway must not look finished to the next run.
rm -f "$stamp"
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"; then
  cat >&2 <<MESSAGE
python-env.sh: pip could not install scripts/requirements-scripts.txt into .venv-scripts (its error is above).
  torch 2.13.0+cpu is not on PyPI: it comes from a local wheel folder pip is configured with (pip config set
  global.find-links /path/to/wheels) or from PyTorch's index:
    .venv-scripts/bin/pip install --extra-index-url https://download.pytorch.org/whl/cpu -r scripts/requirements-scripts.txt
  safetensors, numpy and diffusers (and what they need) come from PyPI.
MESSAGE
  exit 1
fi
echo "$wanted" >"$stamp"
