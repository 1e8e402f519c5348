import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Floats in pages mapped for them alone, returned to the system when the value goes. For weight forms a layer
/// makes and may drop (Winograd's transformed weights, hundreds of megabytes each): the heap keeps freed blocks for
/// the activations (`HeapReuse`), so a dropped form made there stayed in the process's resident memory, and
/// trimming the heap after each drop took the activations' pages too.
package final class PageMappedFloats: @unchecked Sendable {
    package let count: Int
    private let base: UnsafeMutablePointer<Float>
    private let byteCount: Int

    /// `count` floats, which `fill` writes whole (fresh pages read as zeros until then).
    package init(count: Int, fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(count >= 0, "a negative float count")
        self.count = count
        byteCount = max(1, count) * MemoryLayout<Float>.size
        guard let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), mapped != MAP_FAILED else {
            fatalError("cannot map \(byteCount) bytes for a weight: \(String(cString: strerror(errno)))")
        }
        base = mapped.bindMemory(to: Float.self, capacity: max(1, count))
        fill(UnsafeMutableBufferPointer(start: base, count: count))
    }

    deinit { munmap(base, byteCount) }

    package func withUnsafeBufferPointer<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: base, count: count))
    }
}
