import Foundation
import WorkerThreads
import XCTest

final class WorkerPoolTests: XCTestCase {
    func testMapGivesResultsInIndexOrderWhateverOrderTheyFinishIn() {
        // The first indices sleep longest, so they finish last.
        let results = WorkerPool.map(count: 8, threads: 4) { index -> Int in
            Thread.sleep(forTimeInterval: Double(8 - index) * 0.005)
            return index * index
        }
        XCTAssertEqual(results, (0..<8).map { $0 * $0 })
    }

    func testForEachRunsEveryIndexExactlyOnce() {
        let probe = ConcurrencyProbe(target: 1)
        WorkerPool.forEach(count: 50, threads: 3) { probe.run($0) }
        XCTAssertEqual(probe.started.sorted(), Array(0..<50))
    }

    /// Callers (`CoTFAPipeline.annotateAll`) wrap a throwing body in a `Result`: the error comes back at its own
    /// index, and the other indices still run.
    func testAThrownErrorSurfacesAtItsIndex() {
        struct Refused: Error, Equatable { let index: Int }
        let results = WorkerPool.map(count: 6, threads: 3) { index in
            Result<Int, Error> {
                if index == 4 { throw Refused(index: index) }
                return index * 10
            }
        }
        XCTAssertEqual(results.count, 6)
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let value):
                XCTAssertNotEqual(index, 4)
                XCTAssertEqual(value, index * 10)
            case .failure(let error):
                XCTAssertEqual(index, 4)
                XCTAssertEqual(error as? Refused, Refused(index: 4))
            }
        }
    }

    func testRunsAsManyBodiesAtOnceAsItHasThreadsAndNoMore() {
        for threads in [1, 3] {
            let probe = ConcurrencyProbe(target: threads)
            WorkerPool.forEach(count: 12, threads: threads) { probe.run($0) }
            XCTAssertEqual(probe.peak, threads, "\(threads) threads")
            XCTAssertEqual(probe.started.count, 12)
        }
    }

    func testNoWorkCallsNothingAndZeroThreadsStillRunsTheWork() {
        let probe = ConcurrencyProbe(target: 1)
        WorkerPool.forEach(count: 0, threads: 4) { probe.run($0) }
        XCTAssertEqual(probe.started, [])
        XCTAssertEqual(WorkerPool.map(count: 0, threads: 4) { $0 }, [])
        XCTAssertEqual(WorkerPool.map(count: 3, threads: 0) { $0 + 1 }, [1, 2, 3], "at least one thread runs")
    }
}
