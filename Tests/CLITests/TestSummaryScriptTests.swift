import Foundation
import TestSupport
import XCTest

/// scripts/test-summary.sh, which decides whether `make test` is green, fed synthetic XCTest logs; and
/// scripts/test-minimum, compared with the test functions under Tests/.
final class TestSummaryScriptTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// How far below its count of test functions a target's minimum may be: a few tests may be added before the
    /// minimum is raised, never so many that losing them would go unseen.
    private static let minimumSlack = 2
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-summary") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// One test in a log: its name (Class.testMethod), how it ended and how long it took.
    private struct Case {
        var name: String
        var verdict = "passed"
        var seconds = 0.001
    }

    /// How a log ends: XCTest's totals for the whole run, only a class's totals (a run cut short after its first
    /// class, or one whose last lines were lost), or nothing (a crash).
    private enum Ending { case allTests, classOnly, none }

    /// A log as XCTest on Linux writes it: the cases grouped by class, each class and the bundle closed with their
    /// "Executed" line, then the run's own. Failed tests record two failed assertions each. `executed` replaces
    /// the number on the run's closing line.
    private func log(_ cases: [Case], ending: Ending = .allTests, executed: Int? = nil) -> String {
        var lines = ["Test Suite 'All tests' started at 2026-12-01 21:00:00.000", "Test Suite 'debug.xctest' started at 2026-12-01 21:00:00.000"]
        func totals(_ group: [Case]) -> String {
            let skipped = group.filter { $0.verdict == "skipped" }.count, failed = group.filter { $0.verdict == "failed" }.count
            return "\t Executed \(group.count) tests, with \(skipped) tests skipped and \(failed * 2) failures (0 unexpected) in 0.1 (0.1) seconds"
        }
        var classes: [String] = []
        for test in cases where !classes.contains(String(test.name.split(separator: ".")[0])) { classes.append(String(test.name.split(separator: ".")[0])) }
        for suite in classes {
            let group = cases.filter { $0.name.hasPrefix(suite + ".") }
            lines.append("Test Suite '\(suite)' started at 2026-12-01 21:00:00.000")
            for test in group {
                lines.append("Test Case '\(test.name)' started at 2026-12-01 21:00:00.000")
                switch test.verdict {
                case "failed":
                    lines += ["/src/Sample.swift:1: error: \(test.name) : XCTAssertEqual failed", "/src/Sample.swift:2: error: \(test.name) : XCTAssertTrue failed"]
                case "skipped":
                    lines.append("/src/Sample.swift:3: \(test.name) : Test skipped - not here")
                default:
                    break
                }
                if test.verdict != "crashed" { lines.append("Test Case '\(test.name)' \(test.verdict) (\(test.seconds) seconds)") }
            }
            guard !group.contains(where: { $0.verdict == "crashed" }) else { return lines.joined(separator: "\n") + "\n" }
            lines += ["Test Suite '\(suite)' passed at 2026-12-01 21:00:01.000", totals(group)]
            if ending == .classOnly { return lines.joined(separator: "\n") + "\n" }
        }
        if ending == .allTests {
            var all = totals(cases)
            if let executed { all = all.replacingOccurrences(of: "Executed \(cases.count) tests", with: "Executed \(executed) tests") }
            lines += ["Test Suite 'debug.xctest' passed at 2026-12-01 21:00:01.000", totals(cases),
                      "Test Suite 'All tests' passed at 2026-12-01 21:00:01.000", all]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `count` cases named Sample.testPasses0..., or with another class and verdict.
    private func cases(_ count: Int, _ verdict: String = "passed", in suite: String = "Sample") -> [Case] {
        (0..<count).map { Case(name: "\(suite).test\(verdict.capitalized)\($0)", verdict: verdict) }
    }

    /// Runs the script on `text`. `minimum` (one for the whole run), `minimums` (per target) and `allowed` replace
    /// the files beside the script unless nil; `tests` replaces the Tests/ folder the classes are looked up in.
    private func summarize(
        _ text: String, minimum: Int? = 1, minimums: [String: Int]? = nil, tests: URL? = nil, allowed: [String]? = []
    ) throws -> ProgramRun {
        let logFile = folder.appendingPathComponent("test-output.log")
        try text.write(to: logFile, atomically: true, encoding: .utf8)
        var arguments = [Self.root.appendingPathComponent("scripts/test-summary.sh").path, logFile.path]
        if let minimums {
            let file = folder.appendingPathComponent("minimums")
            try (["# target minimum"] + minimums.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }).joined(separator: "\n")
                .write(to: file, atomically: true, encoding: .utf8)
            arguments += ["--minimums", file.path]
        } else if let minimum {
            arguments += ["--minimum", String(minimum)]
        }
        if let tests { arguments += ["--tests", tests.path] }
        if let allowed {
            let list = folder.appendingPathComponent("skips-allowed")
            try (["# test list"] + allowed.map { "\($0)  # the reason" }).joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
            arguments += ["--skips-allowed", list.path]
        }
        return try BuiltProgram.run(executable: URL(fileURLWithPath: "/bin/bash"), arguments)
    }

    /// Every Swift file under Tests/, with the test target (the folder right under Tests/) it belongs to.
    private func testSources() throws -> [(target: String, text: String)] {
        let tests = Self.root.appendingPathComponent("Tests")
        let files = FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? []
        return try files.filter { $0.pathExtension == "swift" }.map { file in
            (String(file.path.dropFirst(tests.path.count + 1).split(separator: "/")[0]), try String(contentsOf: file, encoding: .utf8))
        }
    }

    private static let testFunction = try! NSRegularExpression(pattern: #"^\s*(?:@\w+\s+)*(?:override\s+)?func\s+(test\w*)\s*\(\s*\)"#, options: [.anchorsMatchLines])
    private static let testClass = try! NSRegularExpression(pattern: #"^\s*(?:\w+\s+)*class\s+(\w+)\s*:"#, options: [.anchorsMatchLines])
    private static let testCaseClass = try! NSRegularExpression(pattern: #"^\s*(?:\w+\s+)*class\s+(\w+)\s*:\s*\w*TestCase\b"#, options: [.anchorsMatchLines])

    private static func names(_ pattern: NSRegularExpression, in text: String) -> [String] {
        pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range(at: 1), in: text)!]) }
    }

    /// scripts/test-minimum: target and minimum, one a line.
    private func checkedInMinimums() throws -> [String: Int] {
        let text = try String(contentsOf: Self.root.appendingPathComponent("scripts/test-minimum"), encoding: .utf8)
        var minimums: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].split(separator: " ")
            guard !fields.isEmpty else { continue }
            guard fields.count == 2, let minimum = Int(fields[1]) else {
                XCTFail("scripts/test-minimum: '\(line)' is not a test target and its minimum")
                continue
            }
            minimums[String(fields[0])] = minimum
        }
        // "all" states the sum of the targets' minimums; it is no target of its own.
        if let stated = minimums.removeValue(forKey: "all") {
            XCTAssertEqual(stated, minimums.values.reduce(0, +), "scripts/test-minimum: 'all' is the sum of the targets")
        }
        return minimums
    }

    /// scripts/test-skips-allowed: Class.testMethod and why, one a line.
    private func allowedSkips() throws -> [String] {
        let text = try String(contentsOf: Self.root.appendingPathComponent("scripts/test-skips-allowed"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init)
    }

    private func closingLine(_ run: ProgramRun) -> String {
        run.stdout.split(separator: "\n").last.map(String.init) ?? ""
    }

    func testAllPassingIsGreen() throws {
        let run = try summarize(log(cases(3)), minimum: 3)
        XCTAssertEqual(run.status, 0, run.stdout)
        XCTAssertEqual(closingLine(run), "tests: 3 passed, 0 failed, 0 skipped")
    }

    func testAFailedTestCountsOnceWhateverItsFailedAssertions() throws {
        let run = try summarize(log(cases(3) + cases(1, "failed")))
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(closingLine(run), "tests: 3 passed, 1 failed, 0 skipped", "two failed assertions, one failed test")
        XCTAssertTrue(run.stdout.contains("failed: Sample.testFailed0"), run.stdout)
    }

    func testZeroTestsIsRed() throws {
        let run = try summarize(log([]), minimum: 1)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("only 0 tests ran; at least 1 are expected"), run.stdout)
        XCTAssertEqual(closingLine(run), "tests: 0 passed, 0 failed, 0 skipped")
    }

    func testFewerTestsThanTheMinimumIsRed() throws {
        let run = try summarize(log(cases(4)), minimum: 5)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("only 4 tests ran; at least 5 are expected"), run.stdout)
    }

    func testEverySkippedIsRedEvenWhenTheSkipsAreAllowed() throws {
        let names = ["Sample.testNeedsAServer", "Sample.testNeedsAGPU"]
        let run = try summarize(log(names.map { Case(name: $0, verdict: "skipped") }), minimum: 1, allowed: names)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("only 0 tests ran"), run.stdout)
        XCTAssertEqual(closingLine(run), "tests: 0 passed, 0 failed, 2 skipped")
    }

    func testAnUnlistedSkipIsRedAndAListedOneIsNot() throws {
        let unlisted = try summarize(log(cases(2) + [Case(name: "Sample.testGaveUp", verdict: "skipped")]), allowed: ["Sample.testNeedsAServer"])
        XCTAssertEqual(unlisted.status, 1)
        XCTAssertTrue(unlisted.stdout.contains("skipped, and not in skips-allowed: Sample.testGaveUp"), unlisted.stdout)
        XCTAssertEqual(closingLine(unlisted), "tests: 2 passed, 0 failed, 1 skipped")

        let listed = try summarize(log(cases(2) + [Case(name: "Sample.testNeedsAServer", verdict: "skipped")]), allowed: ["Sample.testNeedsAServer"])
        XCTAssertEqual(listed.status, 0, listed.stdout)
        XCTAssertEqual(closingLine(listed), "tests: 2 passed, 0 failed, 1 skipped")
    }

    func testACrashedRunIsRed() throws {
        let run = try summarize(log(cases(2) + [Case(name: "Sample.testCrashes", verdict: "crashed")]))
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("no totals for 'All tests'"), run.stdout)
        XCTAssertTrue(run.stdout.contains("3 tests started but 2 ended"), run.stdout)
    }

    /// Every class closes with an "Executed" line of its own; one of those is not the run's totals. A log that
    /// stops after a class (a run cut short, a filter over one class) was read as a finished run.
    func testAClassTotalIsNotTheRunsTotal() throws {
        let run = try summarize(log(cases(3, in: "First") + cases(2, in: "Second"), ending: .classOnly))
        XCTAssertEqual(run.status, 1, run.stdout)
        XCTAssertTrue(run.stdout.contains("the log has no totals for 'All tests'"), run.stdout)
        XCTAssertEqual(closingLine(run), "tests: 3 passed, 0 failed, 0 skipped")
    }

    /// The run's totals must count the tests that started: a log missing the lines of some tests is not complete.
    func testTotalsThatDisagreeWithTheTestsThatStartedAreRed() throws {
        let run = try summarize(log(cases(3), executed: 5))
        XCTAssertEqual(run.status, 1, run.stdout)
        XCTAssertTrue(run.stdout.contains("the totals say 5 tests executed but 3 started"), run.stdout)
        XCTAssertEqual(closingLine(run), "tests: 3 passed, 0 failed, 0 skipped")
    }

    /// A target that loses tests fails the run even when the suite as a whole still runs more than the sum of the
    /// minimums. A test's target is the folder under Tests/ whose sources declare its class.
    func testAStatedTotalMustBeTheSumOfTheTargets() throws {
        let run = log(cases(5, in: "AlphaCase"))
        let right = try summarize(run, minimums: ["all": 5, "AlphaTests": 5])
        XCTAssertNotEqual(right.status, 2, right.stderr)
        XCTAssertFalse(right.stderr.contains("is not the sum"), right.stderr)
        let wrong = try summarize(run, minimums: ["all": 4, "AlphaTests": 5])
        XCTAssertEqual(wrong.status, 2, wrong.stdout)
        XCTAssertTrue(wrong.stderr.contains("'all 4' is not the sum of the targets' minimums (5)"), wrong.stderr)
    }

    func testEachTargetMustRunItsOwnMinimum() throws {
        let tests = folder.appendingPathComponent("Tests")
        for (target, suite) in [("AlphaTests", "AlphaCase"), ("BetaTests", "BetaCase")] {
            try FileManager.default.createDirectory(at: tests.appendingPathComponent("\(target)/Nested"), withIntermediateDirectories: true)
            try "import XCTest\n\nfinal class \(suite): XCTestCase {}\n".write(
                to: tests.appendingPathComponent("\(target)/Nested/\(suite).swift"), atomically: true, encoding: .utf8)
        }
        let short = try summarize(
            log(cases(5, in: "AlphaCase") + cases(1, in: "BetaCase") + cases(2, in: "Unlisted")), minimums: ["AlphaTests": 3, "BetaTests": 2], tests: tests)
        XCTAssertEqual(short.status, 1, short.stdout)
        XCTAssertTrue(short.stdout.contains("only 1 BetaTests tests ran; at least 2 are expected (minimums)"), short.stdout)
        XCTAssertFalse(short.stdout.contains("AlphaTests tests ran"), short.stdout)
        XCTAssertFalse(short.stdout.contains("only 8 tests ran"), "8 tests ran, over the sum of 5: \(short.stdout)")

        let enough = try summarize(log(cases(3, in: "AlphaCase") + cases(2, in: "BetaCase")), minimums: ["AlphaTests": 3, "BetaTests": 2], tests: tests)
        XCTAssertEqual(enough.status, 0, enough.stdout)
        XCTAssertEqual(closingLine(enough), "tests: 5 passed, 0 failed, 0 skipped")

        let missing = try summarize(log(cases(3, in: "AlphaCase")), minimums: ["AlphaTests": 3, "BetaTests": 2], tests: tests)
        XCTAssertEqual(missing.status, 1, missing.stdout)
        XCTAssertTrue(missing.stdout.contains("only 0 BetaTests tests ran; at least 2 are expected"), missing.stdout)
    }

    /// The ten slowest tests, slowest first, above the closing line, which keeps its form.
    func testTheTenSlowestTestsAreListed() throws {
        let timed = (0..<12).map { Case(name: "Sample.testTakes\($0)", seconds: Double(($0 * 7) % 12) + 0.25) }
        let run = try summarize(log(timed))
        XCTAssertEqual(run.status, 0, run.stdout)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let start = try XCTUnwrap(lines.firstIndex(of: "slowest tests:"), run.stdout)
        let listed = lines[(start + 1)...].prefix { $0.hasPrefix("  ") }
        let expected = timed.sorted { $0.seconds > $1.seconds }.prefix(10)
        XCTAssertEqual(listed.map { $0.split(separator: " ").last.map(String.init) ?? "" }, expected.map(\.name))
        XCTAssertEqual(listed.first, "    11.250 s  Sample.testTakes5")
        XCTAssertEqual(lines.last, "tests: 12 passed, 0 failed, 0 skipped")
    }

    /// Each target's minimum in scripts/test-minimum follows its test functions: at most its count less the skips
    /// scripts/test-skips-allowed lists in it (a full run could not reach more), and within `minimumSlack` of that,
    /// so a lost file or class fails `make test`. Every target with tests has a minimum, and every minimum a target.
    func testTheMinimumsFollowTheTestFunctionsOfEachTarget() throws {
        let sources = try testSources()
        var functions: [String: Int] = [:], classTargets: [String: String] = [:]
        for (target, text) in sources {
            functions[target, default: 0] += Self.names(Self.testFunction, in: text).count
            for name in Self.names(Self.testClass, in: text) { classTargets[name] = target }
        }
        var skips: [String: Int] = [:]
        for entry in try allowedSkips() {
            let suite = String(entry.split(separator: ".")[0])
            skips[try XCTUnwrap(classTargets[suite], "\(entry): no test class \(suite)"), default: 0] += 1
        }
        let minimums = try checkedInMinimums()
        let targets = Set(functions.filter { $0.value > 0 }.keys)
        XCTAssertEqual(Set(minimums.keys), targets, "scripts/test-minimum lists every test target with tests, and only those")
        for target in targets.sorted() {
            let runnable = functions[target]! - skips[target, default: 0]
            let minimum = minimums[target] ?? 0
            XCTAssertLessThanOrEqual(minimum, runnable, "\(target): \(runnable) tests can run; lower its minimum in scripts/test-minimum to \(runnable)")
            XCTAssertGreaterThanOrEqual(minimum, runnable - Self.minimumSlack, "\(target): \(runnable) tests can run; raise its minimum in scripts/test-minimum to \(runnable)")
        }
    }

    /// The files the script reads by default: the per-target minimums, which a log naming the real classes meets
    /// exactly and misses by one, and an allowlist naming only tests that exist, each with a reason.
    func testTheCheckedInMinimumsAndAllowlistAreUsed() throws {
        let tooFew = try summarize(log(cases(3)), minimum: nil, allowed: nil)
        XCTAssertEqual(tooFew.status, 1)
        let minimums = try checkedInMinimums()
        XCTAssertTrue(tooFew.stdout.contains("at least \(minimums.values.reduce(0, +)) are expected (scripts/test-minimum)"), tooFew.stdout)

        let entries = try allowedSkips()
        XCTAssertEqual(entries.count, 2)
        let sources = try testSources()
        for entry in entries {
            let parts = entry.split(separator: "#", maxSplits: 1)
            XCTAssertEqual(parts.count, 2, "\(entry): give the reason after #")
            let name = parts[0].trimmingCharacters(in: .whitespaces).split(separator: ".")
            XCTAssertEqual(name.count, 2, "\(entry): Class.testMethod")
            XCTAssertTrue(sources.contains { $0.text.contains("class \(name[0]):") && $0.text.contains("func \(name[1])()") }, "\(entry) names no test")
        }

        // One class of each target, as many passing tests as its minimum.
        var suiteOf: [String: String] = [:]
        for (target, text) in sources { if suiteOf[target] == nil, let suite = Self.names(Self.testCaseClass, in: text).first { suiteOf[target] = suite } }
        var passing: [Case] = []
        for (target, minimum) in minimums.sorted(by: { $0.key < $1.key }) { passing += cases(minimum, in: try XCTUnwrap(suiteOf[target], target)) }
        let skipped = entries.map { Case(name: String($0.split(separator: " ")[0]), verdict: "skipped") }
        let run = try summarize(log(passing + skipped), minimum: nil, allowed: nil)
        XCTAssertEqual(run.status, 0, run.stdout)
        XCTAssertEqual(closingLine(run), "tests: \(passing.count) passed, 0 failed, 2 skipped")

        let lost = try XCTUnwrap(passing.firstIndex { $0.name.hasPrefix((suiteOf["CoTFATests"] ?? "") + ".") })
        var oneLess = passing
        oneLess.remove(at: lost)
        let short = try summarize(log(oneLess + skipped), minimum: nil, allowed: nil)
        XCTAssertEqual(short.status, 1, short.stdout)
        XCTAssertTrue(short.stdout.contains("CoTFATests tests ran; at least \(minimums["CoTFATests"] ?? 0) are expected (scripts/test-minimum)"), short.stdout)
    }
}
