#!/usr/bin/env bash
# Installs the Debian packages the project builds, tests and runs against, and the face detector's trained weights
# (scripts/fetch-face-weights.py: a cache folder outside the repository); skips what is already in place.
set -euo pipefail
packages=(
  pkg-config
  libcurl4-openssl-dev libsqlite3-dev libopenblas-dev
  libavcodec-dev libavformat-dev libswscale-dev libswresample-dev libavutil-dev
  ffmpeg tmux
  python3-venv
  vim-tiny nano
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
python3 "$(dirname "$0")/fetch-face-weights.py"
