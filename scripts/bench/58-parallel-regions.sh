# The cost of starting a parallel region: parallel-regions.c built with clang -O2 against Sources/ComputeThreads and
# the toolchain's Dispatch, timing regions of two spinning iterations through the compute threads and through
# Dispatch's pool, with serial gaps between them. The CPU model, its caches and the load average go above the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/machine.bash
make_work_folder
machine_header
SWIFT_LIB="$(dirname "$(dirname "$(command -v swift)")")/lib/swift"
clang -O2 -fblocks -ISources/ComputeThreads/include -I"$SWIFT_LIB" scripts/bench/parallel-regions.c \
  Sources/ComputeThreads/ComputeThreads.c -L"$SWIFT_LIB/linux" -Wl,-rpath,"$SWIFT_LIB/linux" -ldispatch -lBlocksRuntime \
  -lpthread -o "$WORK/parallel-regions"
echo "load $(load_now)"
"$WORK/parallel-regions"
echo "load $(load_now)"
