import CFFmpeg
import Foundation

/// Decoded frames handed from a decoding thread to the thread that converts them, in order, at most `capacity`
/// at a time (so a fast decoder cannot fill memory). The queue owns the frames it holds and frees those never
/// taken when cancelled.
final class DecodedFrameQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var frames: [UnsafeMutablePointer<AVFrame>] = []
    private let capacity: Int
    private var finished = false
    private var failure: Error?
    private var cancelled = false

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    deinit {
        for frame in frames {
            var owned: UnsafeMutablePointer<AVFrame>? = frame
            av_frame_free(&owned)
        }
    }

    /// Adds a frame, waiting while the queue is full; false (and the frame stays the caller's) once cancelled.
    func put(_ frame: UnsafeMutablePointer<AVFrame>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while frames.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        frames.append(frame)
        condition.broadcast()
        return true
    }

    /// The end of the stream, or the error that ended it; taken after the frames before it.
    func finish(_ error: Error?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next frame (now the caller's), nil at the end, or the producer's error.
    func take() throws -> UnsafeMutablePointer<AVFrame>? {
        condition.lock()
        defer { condition.unlock() }
        while frames.isEmpty && !finished { condition.wait() }
        if !frames.isEmpty {
            let frame = frames.removeFirst()
            condition.broadcast()
            return frame
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the producer at its next `put`, frees what is queued, and waits until the producer has finished, so
    /// no thread still uses the decoder when the caller goes on.
    func cancel() {
        condition.lock()
        cancelled = true
        for frame in frames {
            var owned: UnsafeMutablePointer<AVFrame>? = frame
            av_frame_free(&owned)
        }
        frames.removeAll()
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
