import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// How the cost of some work grows with its input, for tests that guard against quadratic loops without asserting
/// a speed. The work runs at a size n and at 4n; linear work takes about 4 times as long, quadratic work 16.
///
/// Robust on a loaded machine: time is this thread's CPU time, which other processes do not inflate (the work must
/// run on the calling thread), each size keeps the fastest of several runs, the runs alternate between the sizes,
/// and n is doubled until its run takes long enough that fixed costs and the clock's resolution do not matter.
public enum Growth {
    /// CPU seconds this thread has used.
    public static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// What one comparison measured.
    public struct Measurement: CustomStringConvertible {
        public let size: Int
        public let seconds: Double
        public let largerSeconds: Double
        public var ratio: Double { largerSeconds / max(seconds, 1e-9) }
        public var description: String {
            String(format: "%d items: %.4f s, %d items: %.4f s, ratio %.2f", size, seconds, size * 4, largerSeconds, ratio)
        }
    }

    /// `prepare(size)` builds an input of that size and returns the work to time on it (building is not timed).
    /// From `size`, doubled until one run takes `minimumSeconds`, at most `maxDoublings` times and never so far
    /// that the larger size passes `largest` (a limit of the code under test, which would refuse it unread).
    public static func measure(
        from size: Int, largest: Int = .max, runs: Int = 5, minimumSeconds: Double = 0.02, maxDoublings: Int = 6,
        _ prepare: (Int) -> () -> Void
    ) -> Measurement {
        func seconds(_ work: () -> Void) -> Double {
            let started = threadCPUSeconds()
            work()
            return threadCPUSeconds() - started
        }
        var size = size
        var small = prepare(size)
        var doublings = 0
        while seconds(small) < minimumSeconds, doublings < maxDoublings, size * 8 <= largest {
            size *= 2
            doublings += 1
            small = prepare(size)
        }
        let large = prepare(size * 4)
        var smallBest = Double.infinity, largeBest = Double.infinity
        for _ in 0..<runs {
            smallBest = min(smallBest, seconds(small))
            largeBest = min(largeBest, seconds(large))
        }
        return Measurement(size: size, seconds: smallBest, largerSeconds: largeBest)
    }
}

/// Fails when work on 4n items costs more than `limit` times the work on n: linear work stays near 4, quadratic
/// work reaches 16. See `Growth.measure` for `prepare`.
public func assertLinearGrowth(
    _ label: String, from size: Int, largest: Int = .max, limit: Double = 6, file: StaticString = #filePath, line: UInt = #line,
    _ prepare: (Int) -> () -> Void
) {
    let measured = Growth.measure(from: size, largest: largest, prepare)
    XCTAssertLessThan(measured.ratio, limit, "\(label): \(measured)", file: file, line: line)
}
