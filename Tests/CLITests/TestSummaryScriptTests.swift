import Foundation
import TestSupport
import XCTest

/// scripts/test-summary.sh, which decides whether `make test` is green, fed synthetic XCTest logs.
final class TestSummaryScriptTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-summary") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A log as XCTest on Linux writes it. `failed` tests record two failed assertions each.
    private func log(passed: Int = 0, failed: Int = 0, skipped: [String] = [], crashed: Bool = false) -> String {
        var lines = ["Test Suite 'All tests' started at 2026-12-01 21:00:00.000"]
        func run(_ name: String, _ verdict: String, _ body: [String] = []) {
            lines += ["Test Case '\(name)' started at 2026-12-01 21:00:00.000"] + body + ["Test Case '\(name)' \(verdict) (0.001 seconds)"]
        }
        for index in 0..<passed { run("Sample.testPasses\(index)", "passed") }
        for index in 0..<failed {
            let name = "Sample.testFails\(index)"
            run(name, "failed", ["/src/Sample.swift:1: error: \(name) : XCTAssertEqual failed", "/src/Sample.swift:2: error: \(name) : XCTAssertTrue failed"])
        }
        for name in skipped { run(name, "skipped", ["/src/Sample.swift:3: \(name) : Test skipped - not here"]) }
        if crashed {
            lines.append("Test Case 'Sample.testCrashes' started at 2026-12-01 21:00:00.000")
        } else {
            let total = passed + failed + skipped.count
            lines.append("\t Executed \(total) tests, with \(skipped.count) tests skipped and \(failed * 2) failures (0 unexpected) in 0.1 (0.1) seconds")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Runs the script on `text`; `minimum` and `allowed` replace the files beside the script unless nil.
    private func summarize(_ text: String, minimum: Int? = 1, allowed: [String]? = []) throws -> ProgramRun {
        let logFile = folder.appendingPathComponent("test-output.log")
        try text.write(to: logFile, atomically: true, encoding: .utf8)
        var arguments = [Self.root.appendingPathComponent("scripts/test-summary.sh").path, logFile.path]
        if let minimum { arguments += ["--minimum", String(minimum)] }
        if let allowed {
            let list = folder.appendingPathComponent("skips-allowed")
            try (["# test list"] + allowed.map { "\($0)  # the reason" }).joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
            arguments += ["--skips-allowed", list.path]
        }
        return try BuiltProgram.run(executable: URL(fileURLWithPath: "/bin/bash"), arguments)
    }

    /// The text of every Swift file under Tests/.
    private func testSources() throws -> [String] {
        let files = FileManager.default.enumerator(at: Self.root.appendingPathComponent("Tests"), includingPropertiesForKeys: nil)
        return try (files?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "swift" }.map { try String(contentsOf: $0, encoding: .utf8) }
    }

    private func closingLine(_ run: ProgramRun) -> String {
        run.stdout.split(separator: "\n").last.map(String.init) ?? ""
    }

    func testAllPassingIsGreen() throws {
        let run = try summarize(log(passed: 3), minimum: 3)
        XCTAssertEqual(run.status, 0, run.stdout)
        XCTAssertEqual(closingLine(run), "tests: 3 passed, 0 failed, 0 skipped")
    }

    func testAFailedTestCountsOnceWhateverItsFailedAssertions() throws {
        let run = try summarize(log(passed: 3, failed: 1))
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(closingLine(run), "tests: 3 passed, 1 failed, 0 skipped", "two failed assertions, one failed test")
        XCTAssertTrue(run.stdout.contains("failed: Sample.testFails0"), run.stdout)
    }

    func testZeroTestsIsRed() throws {
        let run = try summarize(log(), minimum: 1)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("only 0 tests ran; at least 1 are expected"), run.stdout)
        XCTAssertEqual(closingLine(run), "tests: 0 passed, 0 failed, 0 skipped")
    }

    func testFewerTestsThanTheMinimumIsRed() throws {
        let run = try summarize(log(passed: 4), minimum: 5)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("only 4 tests ran; at least 5 are expected"), run.stdout)
    }

    func testEverySkippedIsRedEvenWhenTheSkipsAreAllowed() throws {
        let names = ["Sample.testNeedsAServer", "Sample.testNeedsAGPU"]
        let run = try summarize(log(skipped: names), minimum: 1, allowed: names)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("only 0 tests ran"), run.stdout)
        XCTAssertEqual(closingLine(run), "tests: 0 passed, 0 failed, 2 skipped")
    }

    func testAnUnlistedSkipIsRedAndAListedOneIsNot() throws {
        let unlisted = try summarize(log(passed: 2, skipped: ["Sample.testGaveUp"]), allowed: ["Sample.testNeedsAServer"])
        XCTAssertEqual(unlisted.status, 1)
        XCTAssertTrue(unlisted.stdout.contains("skipped, and not in skips-allowed: Sample.testGaveUp"), unlisted.stdout)
        XCTAssertEqual(closingLine(unlisted), "tests: 2 passed, 0 failed, 1 skipped")

        let listed = try summarize(log(passed: 2, skipped: ["Sample.testNeedsAServer"]), allowed: ["Sample.testNeedsAServer"])
        XCTAssertEqual(listed.status, 0, listed.stdout)
        XCTAssertEqual(closingLine(listed), "tests: 2 passed, 0 failed, 1 skipped")
    }

    func testACrashedRunIsRed() throws {
        let run = try summarize(log(passed: 2, crashed: true))
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("no test totals"), run.stdout)
        XCTAssertTrue(run.stdout.contains("3 tests started but 2 ended"), run.stdout)
    }

    /// The files the script reads by default: a minimum near the suite's size, and an allowlist naming only
    /// tests that exist, each with a reason.
    func testTheCheckedInMinimumAndAllowlistAreUsed() throws {
        let tooFew = try summarize(log(passed: 3), minimum: nil, allowed: nil)
        XCTAssertEqual(tooFew.status, 1)
        let minimumText = try String(contentsOf: Self.root.appendingPathComponent("scripts/test-minimum"), encoding: .utf8)
        let minimum = try XCTUnwrap(minimumText.split(separator: "\n").first { !$0.hasPrefix("#") }.flatMap { Int($0) })
        XCTAssertGreaterThanOrEqual(minimum, 250)
        XCTAssertTrue(tooFew.stdout.contains("at least \(minimum) are expected (scripts/test-minimum)"), tooFew.stdout)

        let allowlist = try String(contentsOf: Self.root.appendingPathComponent("scripts/test-skips-allowed"), encoding: .utf8)
        let entries = allowlist.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        XCTAssertEqual(entries.count, 2)
        for entry in entries {
            let parts = entry.split(separator: "#", maxSplits: 1)
            XCTAssertEqual(parts.count, 2, "\(entry): give the reason after #")
            let name = parts[0].trimmingCharacters(in: .whitespaces).split(separator: ".")
            XCTAssertEqual(name.count, 2, "\(entry): Class.testMethod")
            XCTAssertTrue(try testSources().contains { $0.contains("class \(name[0]):") && $0.contains("func \(name[1])()") }, "\(entry) names no test")
        }
        let skipped = entries.map { String($0.split(separator: " ")[0]) }
        let run = try summarize(log(passed: minimum, skipped: skipped), minimum: nil, allowed: nil)
        XCTAssertEqual(run.status, 0, run.stdout)
        XCTAssertEqual(closingLine(run), "tests: \(minimum) passed, 0 failed, 2 skipped")
    }
}
