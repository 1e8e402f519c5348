import Foundation
import TestCrashReport
import TestSupport
import XCTest

/// Tests/TestCrashReport and scripts/test-summary.sh on a real crash: this test runs itself again in a child process
/// of the test bundle, which aborts, and the summary of the child's log must name the test and show its stack.
final class TestCrashReportTests: XCTestCase {
    private static let testName = "CLITests.TestCrashReportTests/testACrashedTestIsNamedWithItsStack"
    private static let crashSwitch = "TBD_TEST_CRASH_ON_PURPOSE"
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testACrashedTestIsNamedWithItsStack() throws {
        // Installed before main already; installing again changes nothing.
        test_crash_report_install()
        if ProcessInfo.processInfo.environment[Self.crashSwitch] == "1" { abortOnPurpose() }
        let folder = try makeTemporaryFolder("tbd-crash-report")
        defer { try? FileManager.default.removeItem(at: folder) }
        let child = try BuiltProgram.run(executable: URL(fileURLWithPath: CommandLine.arguments[0]), [Self.testName],
                                         environment: [Self.crashSwitch: "1"])
        XCTAssertEqual(child.status, SIGABRT, "the child should end by SIGABRT:\n\(child.stdout)\n\(child.stderr)")
        let log = folder.appendingPathComponent("test-output.log")
        try (child.stdout + child.stderr).write(to: log, atomically: true, encoding: .utf8)
        let summary = try BuiltProgram.run(executable: URL(fileURLWithPath: "/bin/bash"),
                                           [Self.root.appendingPathComponent("scripts/test-summary.sh").path, log.path, "--minimum", "1"])
        XCTAssertEqual(summary.status, 1, summary.stdout)
        XCTAssertTrue(summary.stdout.contains("still running: TestCrashReportTests.testACrashedTestIsNamedWithItsStack"), summary.stdout)
        XCTAssertTrue(summary.stdout.contains("SIGABRT"), summary.stdout)
        // The stack names the function that aborted, demangled or not.
        XCTAssertTrue(summary.stdout.contains("abortOnPurpose"), summary.stdout)
    }

    /// Ends the child process as a crash in the code under test would.
    private func abortOnPurpose() -> Never { abort() }
}
