import AnnotationRecord
import Foundation
import Store
import TestSupport
import XCTest

/// Every command a review command prints as a hint (between backticks) runs as printed, in a shell: with the
/// database the printing command used, even when its path has a space.
final class ReviewHintCommandTests: XCTestCase {
    func testEveryHintRunsAsPrinted() throws {
        let folder = try makeTemporaryFolder("tbd-hints")
        defer { try? FileManager.default.removeItem(at: folder) }
        let project = folder.appendingPathComponent("my project")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        let database = project.appendingPathComponent("tbd.sqlite").path
        let image = project.appendingPathComponent("portrait.jpg").path
        try TestImages.tinyJPEG.write(to: URL(fileURLWithPath: image))
        let store = try ProjectStore(path: database)
        _ = try store.addAnnotations((0..<3).map { sampleAnnotation($0) })
        try store.edit(id: 1, curator: "bob", aus: ["6C", "99"])
        try store.setOverlap(2, curator: "lead")
        try store.approve(id: 2, curator: "bob")
        try store.reject(id: 2, curator: "cy", reason: .wrongEmotion)
        _ = try store.addFailedAnnotation(FailedAnnotation(
            subject: AnnotationSubject(sourcePath: image, kind: .image), emotion: "happy", level: .moderate, mode: .cot,
            backend: "offline-facs-rules", endpoint: nil, model: nil, stageIndex: 1, stageTitle: "I", error: "no reply", stages: []))

        let environment = ["TBD_CURATOR": "ann"]
        func tbd(_ arguments: [String]) throws -> ProgramRun {
            try BuiltProgram.run("tbd", arguments + ["--db", database], in: folder, environment: environment)
        }
        // A failed item whose portrait was annotated since: its retry is refused as a duplicate.
        XCTAssertEqual(try tbd(["annotate", "--image", image, "--emotion", "sad"]).status, 0)
        _ = try store.addFailedAnnotation(FailedAnnotation(
            subject: AnnotationSubject(sourcePath: image, kind: .image), emotion: "sad", level: .moderate, mode: .cot,
            backend: "offline-facs-rules", endpoint: nil, model: nil, stageIndex: 1, stageTitle: "I", error: "no reply", stages: []))
        // Each of these prints a hint: a refusal with the command that acts, or a pointer to the next command.
        let printing: [[String]] = [
            ["review", "queue", "--json"], ["review"], ["review", "approve", "1"], ["review", "edit", "3", "--aus", "6C 99"],
            ["review", "approve", "2"], ["review", "stats"], ["review", "list", "--status", "failed"], ["review", "retry", "7"],
            ["review", "retry", "2"],
        ]
        var hints: [String] = []
        for arguments in printing {
            let run = try tbd(arguments)
            let found = Self.backticked(run.stdout + run.stderr)
            XCTAssertFalse(found.isEmpty, "\(arguments) printed no hint: \(run.stdout)\(run.stderr)")
            for hint in found where !hints.contains(hint) { hints.append(hint) }
        }
        XCTAssertGreaterThanOrEqual(hints.count, 9, "\(hints)")
        let binary = try BuiltProgram.url("tbd").path
        for hint in hints {
            XCTAssertTrue(hint.hasPrefix("tbd "), hint)
            let command = "'\(binary)'" + hint.dropFirst(3)
            let run = try BuiltProgram.run(executable: URL(fileURLWithPath: "/bin/sh"), ["-c", command], in: folder, environment: environment)
            XCTAssertEqual(run.status, 0, "\(hint): \(run.stderr)")
        }
        let response = try XCTUnwrap(try store.show(id: 1).decisions.last)
        XCTAssertEqual([response.action.rawValue, response.curator], ["approve", "ann"], "the --force hint approved #1 (ann's response: overlap 2)")
        XCTAssertEqual(try store.show(id: 2).status, .approved, "the reviewer hint settled #2")
        XCTAssertEqual(try store.failedAnnotationCount(), 0, "the retry hint retried the failed item")
    }

    /// The spans between backticks, in order.
    static func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
}
