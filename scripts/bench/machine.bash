# Sourced by the benchmark scripts: what every figure is printed beside. Not named *.sh, so scripts/bench.sh does
# not run it on its own.

# The CPU model and its caches (figures from one CPU say nothing about another: FACTS section 15).
machine_header() {
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(getconf _NPROCESSORS_ONLN) cores online;" \
    "$(lscpu | grep -E '^L(1d|2|3) cache' | sed 's/  */ /g' | paste -sd ';' -)"
}

# The 1-, 5- and 15-minute load averages now, written to the file $1 (printed beside the figure measured next).
record_load() {
  cut -d' ' -f1-3 /proc/loadavg > "$1"
}

# Whether PYTHON ($1) can import openvino; says so when it cannot.
openvino_ready() {
  if [ -x "$1" ] && "$1" -c 'import openvino' 2>/dev/null; then
    return 0
  fi
  echo "(OpenVINO skipped: $1 cannot import openvino; install it with: $1 -m pip install openvino==2026.4.1)"
  return 1
}

# The 1-, 5- and 15-minute load averages now, printed (for a figure's line).
load_now() {
  cut -d' ' -f1-3 /proc/loadavg
}

# WORK: a temporary folder for this benchmark's files, removed when the script exits.
make_work_folder() {
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
}
