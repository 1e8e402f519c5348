import Foundation
import XCTest

/// The result of running a built program: exit status and both outputs.
public struct ProgramRun: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

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
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? URL(fileURLWithPath: NSTemporaryDirectory())
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TBD_") || $0.key == "TBD_BIN" }
        merged.merge(environment) { $1 }
        process.environment = merged
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let standardInput { input.fileHandleForWriting.write(standardInput) }
        try? input.fileHandleForWriting.close()
        // Read both pipes concurrently: a child that fills one while we block on the other would deadlock.
        var errorData = Data()
        let errorDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errorData = err.fileHandleForReading.readDataToEndOfFile()
            errorDone.signal()
        }
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        errorDone.wait()
        process.waitUntilExit()
        return ProgramRun(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self))
    }
}

/// A fresh folder per test; the caller removes it.
public func makeTemporaryFolder(_ prefix: String = "tbd-tests") throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
