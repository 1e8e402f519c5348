#if canImport(CMalloc)
import CMalloc
#endif

/// How the process's allocator treats the renderer's large tensors.
public enum HeapReuse {
    /// Serves large blocks from the heap and keeps freed memory there for the next one, instead of a fresh
    /// `mmap` per block: a UNet evaluation allocates and frees activations of 10-80 MB hundreds of times, and each
    /// fresh mapping costs page faults and the kernel's zeroing of every page (measured: 10% of an evaluation at
    /// 64x64 latents). Peak memory is unchanged, since freed blocks are reused rather than added.
    public static func keepFreedBlocks() {
        #if canImport(CMalloc)
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 30)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        #endif
    }
}
