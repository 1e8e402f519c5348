import FACSKnowledge
import Foundation
import ReviewQueue
import XCTest

/// A clock the tests move by hand, so leases expire without sleeping.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func advance(_ seconds: TimeInterval) {
        lock.lock()
        current += seconds
        lock.unlock()
    }
}

/// A fresh folder per test, removed afterwards.
func makeTemporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tbd-review-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

func sampleAnnotation(
    _ index: Int = 0, emotion: String = "happy", level: Int = 2, actor: String = "M003", backend: String = "openai-chat",
    fine: String? = nil, findings: [Finding] = [], sourcePath: String? = nil
) -> NewAnnotation {
    NewAnnotation(
        subject: SubjectInput(
            sourcePath: sourcePath ?? "data/mead/\(actor)/front/\(emotion)/level_\(level)/\(String(format: "%03d", index)).mp4",
            kind: "clip", actorID: actor, view: "front", contentHash: "hash\(index)"),
        emotion: emotion, level: level, mode: "cot", backend: backend, endpoint: "http://127.0.0.1:8000/v1",
        modelID: "qwen2-vl-7b", templateVersion: "cot-v1",
        stages: [
            StageOutput(index: 1, title: "Observe", text: "Cheeks raised, lip corners pulled up."),
            StageOutput(index: 2, title: "Name the AUs", text: "AU6C, AU12C"),
            StageOutput(index: 3, title: "Check", text: "Consistent with happiness."),
            StageOutput(index: 4, title: "Prompts", text: "coarse and fine written", parsed: "{\"coarse\":\"a happy face\"}"),
        ],
        coarsePrompt: "a \(emotion) face number \(index)",
        finePrompt: fine ?? "cheeks raised and lip corners pulled up in a clear smile, item \(index)",
        aus: ["6C", "12C"], findings: findings,
        provenanceJSON: "{\"seed\":\(index),\"temperature\":0.2}")
}

/// The built products folder (where `tbd` and `review-stress` are), next to the test bundle.
func productsFolder(file: StaticString = #filePath) throws -> URL {
    let packageRoot = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        Bundle.main.bundleURL,
        packageRoot.appendingPathComponent(".build/debug"),
    ]
    for folder in candidates {
        var current = folder
        for _ in 0..<3 {
            if FileManager.default.isExecutableFile(atPath: current.appendingPathComponent("review-stress").path) { return current }
            current.deleteLastPathComponent()
        }
    }
    throw XCTSkip("built products not found; run `swift build --build-tests` first")
}

/// Runs a program to completion and returns its stdout; fails the test on a non-zero exit.
@discardableResult
func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], expectStatus: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, expectStatus, "\(arguments): \(String(decoding: errorData, as: UTF8.self))", file: file, line: line)
    return String(decoding: data, as: UTF8.self) + String(decoding: errorData, as: UTF8.self)
}
