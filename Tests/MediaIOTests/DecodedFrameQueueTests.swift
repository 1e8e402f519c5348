import CFFmpeg
import Foundation
@testable import MediaIO
import XCTest

final class DecodedFrameQueueTests: XCTestCase {
    /// Frames arrive in order; cancelling while the producer waits on a full queue stops it and returns.
    func testOrderAndCancellationOfABlockedProducer() throws {
        let queue = DecodedFrameQueue(capacity: 2)
        let refused = RefusalRecord()
        let producer = Thread {
            for index in 0..<100 {
                let frame = av_frame_alloc()!
                frame.pointee.nb_samples = Int32(index)
                if !queue.put(frame) {
                    var owned: UnsafeMutablePointer<AVFrame>? = frame
                    av_frame_free(&owned)
                    refused.record(index)
                    break
                }
            }
            queue.finish(nil)
        }
        producer.start()
        for expected in 0..<3 {
            var frame: UnsafeMutablePointer<AVFrame>? = try XCTUnwrap(try queue.take())
            XCTAssertEqual(frame?.pointee.nb_samples, Int32(expected))
            av_frame_free(&frame)
        }
        queue.cancel()
        let stoppedAt = refused.index
        XCTAssertNotNil(stoppedAt, "the producer was told to stop")
        XCTAssertLessThan(stoppedAt ?? 100, 100)
    }

    func testTheProducersErrorComesAfterItsFrames() throws {
        let queue = DecodedFrameQueue(capacity: 4)
        XCTAssertTrue(queue.put(av_frame_alloc()!))
        queue.finish(MediaError(.truncated, path: "x.m4a", "cut"))
        var frame: UnsafeMutablePointer<AVFrame>? = try queue.take()
        XCTAssertNotNil(frame)
        av_frame_free(&frame)
        XCTAssertThrowsError(try queue.take()) { XCTAssertEqual(($0 as? MediaError)?.kind, .truncated) }
    }
}

/// Where the producer was refused, written on its thread and read on the test's.
private final class RefusalRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int?

    func record(_ index: Int) { lock.withLock { value = index } }
    var index: Int? { lock.withLock { value } }
}
