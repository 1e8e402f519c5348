import ComputeThreads
import Foundation

/// `body(index)` for every index in `0..<iterations`, spread over the cores, returning when all are done: on the
/// compute threads (`ComputeThreads`, which poll between regions instead of sleeping, so a split does not wait
/// for a thread to wake), or through Dispatch's pool where those threads are busy with another region (one begun
/// inside a region, or on another thread at the same time).
///
/// `TBD_THREAD_POLL_MICROSECONDS` sets how long the compute threads poll (default 1000; 0 makes them sleep at once,
/// for a machine whose other programs need every idle cycle).
package func parallelPerform(iterations: Int, _ body: (Int) -> Void) {
    _ = ComputeThreadPolling.applied
    guard iterations > 1 else {
        if iterations == 1 { body(0) }
        return
    }
    let ran = withoutActuallyEscaping(body) { escapable in
        var closure = escapable
        return withUnsafeMutablePointer(to: &closure) { pointer in
            compute_threads_run(iterations, { context, index in
                context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
            }, pointer) == 0
        }
    }
    if !ran { DispatchQueue.concurrentPerform(iterations: iterations, execute: body) }
}

/// `TBD_THREAD_POLL_MICROSECONDS`, read and handed to the compute threads once, before the first region.
package enum ComputeThreadPolling {
    /// The polling time, in microseconds, a value of the variable names (unset or empty: 1000, the compute threads'
    /// own default); nil for a value that names none.
    package static func microseconds(named value: String?) -> Int? {
        guard let value, !value.isEmpty else { return 1000 }
        guard let microseconds = Int(value), (0...1_000_000).contains(microseconds) else { return nil }
        return microseconds
    }

    static let applied: Void = {
        let value = ProcessInfo.processInfo.environment["TBD_THREAD_POLL_MICROSECONDS"]
        guard let microseconds = microseconds(named: value) else {
            fatalError("TBD_THREAD_POLL_MICROSECONDS is \"\(value ?? "")\": use a whole number of microseconds from 0 to 1000000")
        }
        compute_threads_set_polling(microseconds * 1000)
    }()
}
