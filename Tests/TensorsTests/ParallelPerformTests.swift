import ComputeThreads
import Foundation
import Synchronization
import XCTest
@testable import Tensors

/// The compute threads run every index of a region exactly once, on more than one thread where the machine has
/// several cores, and a region begun inside a region or from several threads at once still runs whole (through
/// Dispatch's pool where the compute threads are taken).
final class ParallelPerformTests: XCTestCase {
    /// Per index, how many times it ran.
    private final class Counts: @unchecked Sendable {
        let values: UnsafeMutablePointer<Atomic<Int>>
        let count: Int
        init(_ count: Int) {
            self.count = count
            values = .allocate(capacity: count)
            for index in 0..<count { (values + index).initialize(to: Atomic(0)) }
        }
        deinit { values.deallocate() }
        func add(_ index: Int) { values[index].add(1, ordering: .relaxed) }
        var all: [Int] { (0..<count).map { values[$0].load(ordering: .relaxed) } }
    }

    func testEveryIndexRunsOnceOverManyRegions() {
        for iterations in [2, 3, 7, 64, 1000] {
            for _ in 0..<200 {
                let counts = Counts(iterations)
                parallelPerform(iterations: iterations) { counts.add($0) }
                XCTAssertEqual(counts.all, Array(repeating: 1, count: iterations), "\(iterations) iterations")
            }
        }
    }

    func testOneAndZeroIterations() {
        var ran: [Int] = []
        parallelPerform(iterations: 0) { ran.append($0) }
        parallelPerform(iterations: 1) { ran.append($0) }
        XCTAssertEqual(ran, [0])
    }

    /// With two or more cores the regions' indices run on more than one thread (else the threads never started).
    func testRegionsUseSeveralThreads() throws {
        try XCTSkipIf(ProcessInfo.processInfo.activeProcessorCount < 2, "one core: the caller runs every index")
        // The threads follow the cores the process may run on (its affinity), which a cgroup quota does not change.
        XCTAssertGreaterThan(compute_threads_count(), 1)
        let threads = Mutex<Set<UInt64>>([])
        for _ in 0..<100 {
            parallelPerform(iterations: 8) { _ in
                let deadline = DispatchTime.now().uptimeNanoseconds + 200_000
                while DispatchTime.now().uptimeNanoseconds < deadline {}  // long enough that a worker takes a share
                let thread = UInt64(pthread_self())
                threads.withLock { _ = $0.insert(thread) }
            }
        }
        XCTAssertGreaterThan(threads.withLock { $0.count }, 1)
    }

    func testRegionInsideARegionRunsWhole() {
        let counts = Counts(4 * 16)
        parallelPerform(iterations: 4) { outer in
            parallelPerform(iterations: 16) { inner in counts.add(outer * 16 + inner) }
        }
        XCTAssertEqual(counts.all, Array(repeating: 1, count: 64))
    }

    func testRegionsFromSeveralThreadsAtOnceRunWhole() {
        let callers = 4, regions = 300, iterations = 9
        let counts = Counts(callers * regions * iterations)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for region in 0..<regions {
                parallelPerform(iterations: iterations) { index in
                    counts.add((caller * regions + region) * iterations + index)
                }
            }
        }
        XCTAssertEqual(counts.all, Array(repeating: 1, count: callers * regions * iterations))
    }
}

/// `TBD_THREAD_POLL_MICROSECONDS` reads as a whole number of microseconds from 0 to a second, or not at all.
final class ComputeThreadPollingTests: XCTestCase {
    func testValues() {
        XCTAssertEqual(ComputeThreadPolling.microseconds(named: nil), 1000)
        XCTAssertEqual(ComputeThreadPolling.microseconds(named: ""), 1000)
        XCTAssertEqual(ComputeThreadPolling.microseconds(named: "0"), 0)
        XCTAssertEqual(ComputeThreadPolling.microseconds(named: "250"), 250)
        XCTAssertEqual(ComputeThreadPolling.microseconds(named: "1000000"), 1_000_000)
        for bad in ["-1", "1000001", "1e3", "fast", " 5"] {
            XCTAssertNil(ComputeThreadPolling.microseconds(named: bad), bad)
        }
    }

    /// With polling off the workers sleep between regions, and regions still run whole.
    func testRegionsRunWholeWithPollingOff() {
        compute_threads_set_polling(0)
        defer { compute_threads_set_polling(Int(ComputeThreadPolling.microseconds(named: ProcessInfo.processInfo.environment["TBD_THREAD_POLL_MICROSECONDS"]) ?? 1000) * 1000) }
        for _ in 0..<300 {
            var sums = [Int](repeating: 0, count: 5)
            sums.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                parallelPerform(iterations: 5) { index in base[index] = index + 1 }
            }
            XCTAssertEqual(sums, [1, 2, 3, 4, 5])
        }
    }
}
