import COpenBLAS

/// The cores the matrix products run on.
///
/// OpenBLAS itself is kept single-threaded and products are split across Dispatch workers instead
/// (`splitSGEMM`): OpenBLAS's idle threads spin on `sched_yield` for a while after every call, and on a machine
/// with as many threads as cores that spinning takes core time from the renderer's own parallel loops (direct
/// convolution, attention, norms). The count starts at OpenBLAS's own (`OPENBLAS_NUM_THREADS`, else the cores).
public enum BLASThreads {
    private static let initial: Int = {
        let count = Int(openblas_get_num_threads())
        openblas_set_num_threads(1)
        return max(1, count)
    }()
    nonisolated(unsafe) private static var chosen: Int?

    /// Puts OpenBLAS in single-threaded mode (once per process) before a caller runs `cblas_sgemm` itself.
    package static func keepLibrarySingleThreaded() { _ = initial }

    public static var count: Int {
        get { chosen ?? initial }
        set {
            keepLibrarySingleThreaded()
            chosen = max(1, newValue)
        }
    }
}
