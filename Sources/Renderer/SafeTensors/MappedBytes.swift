import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Read-only bytes of a file, memory-mapped so multi-gigabyte weights cost no copy until a tensor is read;
/// or a private copy of in-memory bytes (tests, fuzzing).
final class MappedBytes: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let release: () -> Void

    init(contentsOf url: URL) throws {
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
            release = { empty.deallocate() }
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw SafeTensorsError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(mapped)
        count = size
        release = { munmap(mapped, size) }
    }

    init(copying data: Data) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(1, data.count), alignment: 16)
        data.withUnsafeBytes { source in
            if let address = source.baseAddress { buffer.copyMemory(from: address, byteCount: data.count) }
        }
        base = UnsafeRawPointer(buffer)
        count = data.count
        release = { buffer.deallocate() }
    }

    deinit { release() }
}
