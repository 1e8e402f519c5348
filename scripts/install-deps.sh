#!/usr/bin/env bash
# Installs the Debian packages the project builds, tests and runs against; skips what is already installed.
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
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
