import FileAccess
import Foundation
import Glibc
import TestSupport
import XCTest

/// `OutputFile` keeps special files special: the old atomic write renamed its temporary file over whatever the
/// path named, turning a FIFO, a symbolic link or a device node into a regular file.
final class OutputFileTests: XCTestCase {
    private func folder() throws -> URL {
        let folder = try makeTemporaryFolder("tbd-output-file")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    private func kind(_ path: String) -> mode_t {
        var info = stat()
        XCTAssertEqual(lstat(path, &info), 0, path)
        return info.st_mode & S_IFMT
    }

    private func names(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    func testRegularFileIsReplacedWholeAndKeepsItsMode() throws {
        let folder = try folder()
        let target = folder.appendingPathComponent("out.jsonl").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        XCTAssertEqual(chmod(target, 0o640), 0)
        try OutputFile.write(to: target) { sink in
            try sink(Data("new ".utf8))
            try sink(Data("text".utf8))
        }
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "new text")
        var info = stat()
        XCTAssertEqual(stat(target, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o640)
        XCTAssertEqual(try names(in: folder), ["out.jsonl"], "no temporary file is left")
    }

    func testFailureLeavesTheOldFileAndNoTemporaryFile() throws {
        let folder = try folder()
        let target = folder.appendingPathComponent("out.csv").path
        try Data("kept".utf8).write(to: URL(fileURLWithPath: target))
        struct Stop: Error {}
        XCTAssertThrowsError(try OutputFile.write(to: target) { sink in
            try sink(Data("half".utf8))
            throw Stop()
        })
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "kept")
        XCTAssertEqual(try names(in: folder), ["out.csv"])
    }

    func testFIFOIsWrittenThroughAndStaysAFIFO() throws {
        let fifo = try folder().appendingPathComponent("pipe").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let received = ReceivedBytes()
        let reader = Thread {
            // Plain read(2) until end of file: the writer's close ends it.
            let descriptor = open(fifo, O_RDONLY)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while descriptor >= 0 {
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { break }
                received.data.append(contentsOf: buffer[0..<count])
            }
            close(descriptor)
            received.done.signal()
        }
        reader.start()
        try OutputFile.write(Data("through the pipe".utf8), to: fifo)
        XCTAssertEqual(received.done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(String(decoding: received.data, as: UTF8.self), "through the pipe")
        XCTAssertEqual(kind(fifo), S_IFIFO, "the FIFO is still a FIFO")
    }

    func testCharacterDeviceIsWrittenThroughNotReplaced() throws {
        try OutputFile.write(Data("discarded".utf8), to: "/dev/null")
        XCTAssertEqual(kind("/dev/null"), S_IFCHR, "/dev/null is still a device")
    }

    func testFullDeviceIsAnErrorNamingIt() throws {
        XCTAssertThrowsError(try OutputFile.write(Data(repeating: 1, count: 4096), to: "/dev/full")) { error in
            XCTAssertEqual((error as? OutputFileError)?.path, "/dev/full")
            XCTAssertTrue("\(error)".contains("no space"), "\(error)")
        }
        XCTAssertEqual(kind("/dev/full"), S_IFCHR)
    }

    func testSymbolicLinkIsRefusedAndLeftAsItWas() throws {
        let folder = try folder()
        let real = folder.appendingPathComponent("real.txt").path
        let link = folder.appendingPathComponent("link.txt").path
        try Data("real".utf8).write(to: URL(fileURLWithPath: real))
        XCTAssertEqual(symlink(real, link), 0)
        XCTAssertThrowsError(try OutputFile.write(Data("new".utf8), to: link)) { error in
            XCTAssertTrue("\(error)".contains("symbolic link"), "\(error)")
        }
        XCTAssertEqual(kind(link), S_IFLNK)
        XCTAssertEqual(try String(contentsOfFile: real, encoding: .utf8), "real")
        XCTAssertEqual(try names(in: folder), ["link.txt", "real.txt"])
    }

    func testFolderIsRefused() throws {
        let folder = try folder()
        XCTAssertThrowsError(try OutputFile.write(Data("x".utf8), to: folder.path)) { error in
            XCTAssertTrue("\(error)".contains("is a folder"), "\(error)")
        }
    }
}

private final class ReceivedBytes: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
