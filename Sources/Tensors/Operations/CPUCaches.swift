import CPUFeatures

/// The data-cache sizes every block size of the kernels derives from (Sources/CPUFeatures: sysconf, else cpuid,
/// else sysfs), read once per process. No kernel assumes one machine's caches: each rule is a function of these,
/// so a check can ask what another machine would get (`sizes(l1d:l2:)`).
public enum CPUCaches {
    /// This machine's caches.
    public static let machine: CPUCacheSizes = cpu_cache_sizes()

    /// A configuration given by hand (checks; what-if figures for another machine).
    public static func sizes(l1d: Int, l2: Int, l3: Int = 0) -> CPUCacheSizes {
        CPUCacheSizes(l1d: l1d, l2: l2, l3: l3, source: CPUCacheSourceNone)
    }

    /// Floats per vector register of the widest variant this processor runs (16 with AVX-512, 8 with AVX2).
    public static let vectorFloats = Int(cpu_vector_floats())

    /// "L1d 32 KiB, L2 1024 KiB, L3 32768 KiB (sysconf)": for benchmark output.
    public static func describe(_ sizes: CPUCacheSizes = machine) -> String {
        let source: String
        switch sizes.source {
        case CPUCacheSourceSysconf: source = "sysconf"
        case CPUCacheSourceCPUID: source = "cpuid"
        case CPUCacheSourceSysfs: source = "sysfs"
        default: source = "defaults"
        }
        return "L1d \(sizes.l1d >> 10) KiB, L2 \(sizes.l2 >> 10) KiB, L3 \(sizes.l3 >> 10) KiB (\(source))"
    }
}
