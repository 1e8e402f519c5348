# The packed product's cache blocking: product-blocking.c built with clang -O2 (the package's C flags) against
# Sources/PackedMatrixProduct and Sources/CPUFeatures, and run single-threaded on the shapes of the text encoder,
# the UNet's linear layers and Winograd's products, under this machine's blocking and the alternatives derived from
# the same cache sizes. The CPU model, its caches and the load average go above the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/machine.bash
make_work_folder
machine_header
clang -O2 -ISources/CPUFeatures/include -ISources/PackedMatrixProduct/include scripts/bench/product-blocking.c \
  Sources/PackedMatrixProduct/PackedMatrixProduct.c Sources/PackedMatrixProduct/PackedMatrixProductBF16.c \
  Sources/CPUFeatures/CPUFeatures.c -lpthread -o "$WORK/product-blocking"
echo "load $(load_now)"
"$WORK/product-blocking"
echo "load $(load_now)"
