// The packed product's cache blocking, timed: every product shape of the SD1.5 UNet's linear layers, the text
// encoder and Winograd's 36 products, single-threaded, under the blocking this machine's caches give and under
// others derived from the same caches (the rule before: a panel block of one L1d and a left block of a quarter of
// L2; panel blocks of two and four L1d). CPU time of the calling thread, the best of several runs, so the figures
// hold under some load. Built and run by 57-product-blocking.sh against the package's own C sources.
#include "CPUFeatures.h"
#include "PackedMatrixProduct.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double thread_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/// A blocking whose panel block takes `l1d_share` L1d-fulls and whose left block takes `l2_share` of L2, in the
/// kernel's units (multiples of 8 inner values and of 12 rows).
static PackedMatrixBlocking derived(CPUCacheSizes caches, double l1d_share, double l2_share) {
    PackedMatrixBlocking blocking;
    int inner = (int)(l1d_share * (double)caches.l1d / (PACKED_MATRIX_PANEL * sizeof(float))) / 8 * 8;
    blocking.inner_block = inner < 16 ? 16 : inner > 2048 ? 2048 : inner;
    int rows = (int)(l2_share * (double)caches.l2 / ((double)blocking.inner_block * sizeof(float))) / PACKED_MATRIX_TILE_ROWS * PACKED_MATRIX_TILE_ROWS;
    blocking.row_block = rows < PACKED_MATRIX_TILE_ROWS ? PACKED_MATRIX_TILE_ROWS : rows > 4092 ? 4092 : rows;
    return blocking;
}

/// GFLOP/s of `copies` products [rows x inner] x [inner x columns] with distinct weights (so weights stream from
/// memory as a network's do), best of `runs`.
static double rate(PackedMatrixBlocking blocking, int rows, int inner, int columns, int copies, int runs) {
    float *left = malloc(sizeof(float) * (size_t)rows * inner);
    float *weight = malloc(sizeof(float) * (size_t)inner * columns);
    for (size_t i = 0; i < (size_t)rows * inner; i++) left[i] = (float)(i % 97) / 97.0f - 0.5f;
    for (size_t i = 0; i < (size_t)inner * columns; i++) weight[i] = (float)(i % 89) / 89.0f - 0.5f;
    const size_t count = packed_matrix_count(inner, columns);
    float **packed = malloc(sizeof(float *) * copies);
    for (int c = 0; c < copies; c++) {
        packed[c] = malloc(sizeof(float) * count);
        packed_matrix_pack(weight, inner, 1, inner, columns, 0, columns, packed[c]);
    }
    float *output = malloc(sizeof(float) * (size_t)rows * columns);
    float *workspace = malloc(sizeof(float) * packed_matrix_workspace_count(&blocking, inner));
    const int panels = (columns + PACKED_MATRIX_PANEL - 1) / PACKED_MATRIX_PANEL;
    double best = 1e30;
    for (int run = 0; run < runs; run++) {
        const double start = thread_seconds();
        for (int c = 0; c < copies; c++)
            packed_matrix_product(PackedMatrixVariantAVX512, &blocking, left, inner, rows, inner, NULL, packed[c], columns, 0, panels,
                                  NULL, output, columns, workspace);
        const double seconds = thread_seconds() - start;
        if (seconds < best) best = seconds;
    }
    for (int c = 0; c < copies; c++) free(packed[c]);
    free(packed), free(left), free(weight), free(output), free(workspace);
    return 2.0 * rows * inner * columns * copies / best / 1e9;
}

int main(void) {
    if (!packed_matrix_supports(PackedMatrixVariantAVX512)) {
        printf("this processor does not run the packed product (AVX-512 with FMA): nothing to time\n");
        return 0;
    }
    const CPUCacheSizes caches = cpu_cache_sizes();
    const struct { const char *name; PackedMatrixBlocking blocking; } blockings[] = {
        {"machine", packed_matrix_blocking()},
        {"1 L1d, 1/4 L2", derived(caches, 1, 0.25)},
        {"2 L1d, 1/2 L2", derived(caches, 2, 0.5)},
        {"4 L1d, 1/2 L2", derived(caches, 4, 0.5)},
    };
    const int blocking_count = sizeof blockings / sizeof blockings[0];
    // rows, inner, columns, distinct weights: the text encoder (2 x 77 tokens), the UNet's linear layers at 32x32
    // latents (batch 2: 2048 tokens), and Winograd's products at 32x32, 16x16 and 8x8 images (128, 32, 8 tiles).
    const int shapes[][4] = {
        {154, 768, 3072, 16}, {154, 3072, 768, 16}, {154, 768, 768, 16},   {2048, 320, 1280, 4}, {2048, 1280, 320, 4},
        {512, 640, 2560, 4},  {2048, 320, 320, 8},  {128, 320, 320, 36},   {32, 1280, 1280, 36}, {8, 1280, 1280, 36},
    };
    printf("L1d %zu KiB, L2 %zu KiB; single thread, GFLOP/s (best of 5)\n", caches.l1d >> 10, caches.l2 >> 10);
    printf("%-24s", "rows x inner x columns");
    for (int b = 0; b < blocking_count; b++)
        printf("  %s (%d/%d)", blockings[b].name, blockings[b].blocking.inner_block, blockings[b].blocking.row_block);
    printf("\n");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        char label[64];
        snprintf(label, sizeof label, "%dx%dx%d", shapes[s][0], shapes[s][1], shapes[s][2]);
        printf("%-24s", label);
        for (int b = 0; b < blocking_count; b++) {
            char column[64];
            const int width = snprintf(column, sizeof column, "  %s (%d/%d)", blockings[b].name, blockings[b].blocking.inner_block,
                                       blockings[b].blocking.row_block);
            printf("%*.1f", width, rate(blockings[b].blocking, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], 5));
        }
        printf("\n");
    }
    return 0;
}
