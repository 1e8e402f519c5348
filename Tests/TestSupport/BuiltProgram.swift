import Foundation
import Glibc
import XCTest

/// The result of running a built program: exit status and both outputs.
public struct ProgramRun: Sendable {
    public let status: Int32
    /// stdout as bytes, for programs that write binary (ffmpeg's raw frames).
    public let standardOutputData: Data
    public let stderr: String

    public var stdout: String { String(decoding: standardOutputData, as: UTF8.self) }

    /// stdout parsed as JSON, nil when it is not JSON.
    public var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
    public var jsonObject: [String: Any]? { json as? [String: Any] }
}

/// The executables `swift build` puts beside the test bundle: `tbd`, `review-stress`.
public enum BuiltProgram {
    /// The built products folder. `TBD_BIN` (a path to `tbd`) overrides it, for testing an installed binary.
    public static func folder() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["TBD_BIN"] {
            return URL(fileURLWithPath: override).deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
            packageRoot.appendingPathComponent(".build/debug"),
        ]
        for candidate in candidates {
            var current = candidate
            for _ in 0..<3 {
                if FileManager.default.isExecutableFile(atPath: current.appendingPathComponent("tbd").path) { return current }
                current.deleteLastPathComponent()
            }
        }
        throw XCTSkip("built products not found; run `swift build --build-tests` first")
    }

    public static func url(_ name: String) throws -> URL { try folder().appendingPathComponent(name) }

    /// Runs a built program to completion in `directory` (default: a temporary folder, so nothing depends on the
    /// folder the tests run in). `TBD_*` variables of the caller's environment are dropped unless given again.
    public static func run(
        _ name: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        standardInput: Data? = nil
    ) throws -> ProgramRun {
        try run(executable: url(name), arguments, in: directory, environment: environment, standardInput: standardInput)
    }

    public static func run(
        executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        standardInput: Data? = nil
    ) throws -> ProgramRun {
        let program = try start(executable: executable, arguments, in: directory, environment: environment)
        // A program may exit without reading its input; what it did is in the run.
        if let standardInput { try? program.write(standardInput) }
        program.closeInput()
        return program.finish()
    }

    /// Starts a built program and returns while it runs, for tests that read its output as it comes, write to its
    /// input, or kill it. Same folder and environment rules as `run`.
    public static func start(
        _ name: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> RunningProgram {
        try start(executable: url(name), arguments, in: directory, environment: environment)
    }

    public static func start(
        executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> RunningProgram {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? URL(fileURLWithPath: NSTemporaryDirectory())
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TBD_") || $0.key == "TBD_BIN" }
        merged.merge(environment) { $1 }
        process.environment = merged
        return try RunningProgram(process)
    }
}

/// A program started by `BuiltProgram.start`, its three standard streams on pipes.
/// A program that fills a pipe nobody reads (64 KiB) blocks: read what it writes, or `finish()`.
public final class RunningProgram: @unchecked Sendable {
    public let process: Process
    public let standardOutput: OutputReader
    public let standardError: OutputReader
    private let input = Pipe()

    init(_ process: Process) throws {
        // Writing to a program that has exited must be an error for the test, not SIGPIPE ending the whole run.
        signal(SIGPIPE, SIG_IGN)
        self.process = process
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        standardOutput = OutputReader(out.fileHandleForReading)
        standardError = OutputReader(err.fileHandleForReading)
        try process.run()
    }

    /// Writes to the program's input; throws (EPIPE) when it has exited or closed its input.
    public func write(_ data: Data) throws { try input.fileHandleForWriting.write(contentsOf: data) }
    public func write(_ text: String) throws { try write(Data(text.utf8)) }
    public func closeInput() { try? input.fileHandleForWriting.close() }

    public func kill(_ signal: Int32 = SIGKILL) { _ = Glibc.kill(process.processIdentifier, signal) }

    /// Reads both outputs to their end, waits for the exit and returns the run.
    public func finish() -> ProgramRun {
        // Read both pipes concurrently: a child that fills one while we block on the other would deadlock.
        let errorText = ErrorTextBox()
        let errorDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errorText.value = self.standardError.readToEnd()
            errorDone.signal()
        }
        let output = standardOutput.readDataToEnd()
        errorDone.wait()
        process.waitUntilExit()
        return ProgramRun(status: process.terminationStatus, standardOutputData: output, stderr: errorText.value)
    }
}

/// The reading end of one of a program's outputs, a line at a time or all that is left.
public final class OutputReader: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    /// The next whole line, without its newline; nil once the output ends (a cut last line stays for `readToEnd`).
    public func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }

    /// Everything not read yet, up to the end of the output.
    public func readDataToEnd() -> Data {
        buffer.append(handle.readDataToEndOfFile())
        defer { buffer.removeAll() }
        return buffer
    }

    public func readToEnd() -> String { String(decoding: readDataToEnd(), as: UTF8.self) }
}

/// stderr's text, handed from the reading thread to `finish()` (the semaphore orders the two).
private final class ErrorTextBox: @unchecked Sendable {
    var value = ""
}
