import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Read-only bytes of a file, memory-mapped so multi-gigabyte weights cost no copy until a tensor is read;
/// or a private copy of in-memory bytes (tests, fuzzing).
package final class MappedBytes: @unchecked Sendable {
    package let base: UnsafeRawPointer
    package let count: Int
    /// Whether `base` is a mapping of the file, whose pages `discard` may drop.
    private let isMapped: Bool
    private let release: () -> Void

    package init(contentsOf url: URL) throws {
        let path = url.path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw SafeTensorsError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SafeTensorsError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw SafeTensorsError.unreadable(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        if size == 0 {
            let empty = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
            base = UnsafeRawPointer(empty)
            count = 0
            isMapped = false
            release = { empty.deallocate() }
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw SafeTensorsError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(mapped)
        count = size
        isMapped = true
        release = { munmap(mapped, size) }
    }

    package init(copying data: Data) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(1, data.count), alignment: 16)
        data.withUnsafeBytes { source in
            if let address = source.baseAddress { buffer.copyMemory(from: address, byteCount: data.count) }
        }
        base = UnsafeRawPointer(buffer)
        count = data.count
        isMapped = false
        release = { buffer.deallocate() }
    }

    /// Drops the pages wholly inside `range` from this process's memory once they have been copied out, so
    /// loading a checkpoint holds each weight once (as Float32) rather than twice (mapped and copied). The
    /// mapping is private and never written, so a later read faults the same bytes back in from the file.
    package func discard(_ range: Range<Int>) {
        guard isMapped, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + range.lowerBound + page - 1) / page * page
        let end = (Int(bitPattern: base) + range.upperBound) / page * page
        guard end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
        madvise(address, end - start, Int32(MADV_DONTNEED))
    }

    deinit { release() }
}
