import Foundation

/// Splits `0..<count` into contiguous ranges and runs `body` on them across the machine's cores.
///
/// Work under `minimumChunk` items stays on the calling thread: for small loops the dispatch costs more than it
/// saves. The body must only write to disjoint parts of shared memory for distinct ranges.
package func concurrentChunks(count: Int, minimumChunk: Int = 16_384, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    let chunkCount = min(cores, max(1, count / max(1, minimumChunk)))
    if chunkCount == 1 {
        body(0..<count)
        return
    }
    let chunkSize = (count + chunkCount - 1) / chunkCount
    parallelPerform(iterations: chunkCount) { chunk in
        let start = chunk * chunkSize
        let end = min(count, start + chunkSize)
        if start < end { body(start..<end) }
    }
}
