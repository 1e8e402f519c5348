import AnnotationRecord
import Foundation
import TestSupport
import XCTest

/// Runs the built `tbd` binary as a user would and checks its output, JSON and exit status.
final class FACSCommandTests: XCTestCase {
    /// Any directory will do: the table is compiled in, not looked up beside the binary.
    func tbd(_ arguments: String...) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments) }

    func testAUJSONNamesZygomaticusMajor() throws {
        let run = try tbd("facs", "au", "12", "--json")
        XCTAssertEqual(run.status, 0)
        let object = try XCTUnwrap(run.json as? [String: Any])
        XCTAssertEqual(object["code"] as? Int, 12)
        XCTAssertEqual(object["label"] as? String, "AU12")
        XCTAssertEqual(object["name"] as? String, "Lip corner puller")
        XCTAssertEqual(object["muscles"] as? [String], ["zygomaticus major"])
        XCTAssertEqual(object["kind"] as? String, "action_unit")
        XCTAssertEqual(Set(object.keys), ["code", "label", "name", "kind", "region", "muscles", "appearance", "aliases", "detectors"])
    }

    /// The FACS commands read an AU list as the store does (`review edit --aus`): bare codes in notation count.
    func testValidateReadsANotationListAsTheStoreDoes() throws {
        let kept = try tbd("facs", "validate", "6C 12C 25", "--json")
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertEqual(kept.jsonObject?["aus"] as? [String], ["6C", "12C", "25"])
        let happy = try tbd("facs", "validate", "12 15", "--emotion", "happy", "--json")
        XCTAssertEqual(happy.jsonObject?["aus"] as? [String], ["12", "15"])
        let findings = try XCTUnwrap(happy.jsonObject?["findings"] as? [[String: Any]])
        XCTAssertTrue(findings.contains { $0["kind"] as? String == "unexpected_au" && $0["codes"] as? [Int] == [15] }, "\(findings)")
        let parsed = try tbd("facs", "parse", "6C 12C 25", "--json")
        let mentions = try XCTUnwrap(parsed.jsonObject?["mentions"] as? [[String: Any]])
        XCTAssertEqual(mentions.count, 3)
    }

    func testAUByNameAndMuscleAndUnknown() throws {
        XCTAssertTrue(try tbd("facs", "au", "lip corner puller").stdout.contains("AU12"))
        let frontalis = try XCTUnwrap(try tbd("facs", "au", "frontalis", "--json").json as? [[String: Any]])
        XCTAssertEqual(frontalis.compactMap { $0["code"] as? Int }, [1, 2])
        let unknown = try tbd("facs", "au", "99")
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("no FACS code matches '99'"))
        XCTAssertEqual(unknown.stdout, "")
    }

    func testEmotionFearLevel3ListsPrototypeWithLetters() throws {
        let run = try tbd("facs", "emotion", "fear", "--level", "3", "--json")
        XCTAssertEqual(run.status, 0)
        let object = try XCTUnwrap(run.json as? [String: Any])
        XCTAssertEqual(object["emotion"] as? String, "fear")
        XCTAssertEqual(object["level"] as? Int, 3)
        XCTAssertEqual(object["level_word"] as? String, "Intense")
        let aus = try XCTUnwrap(object["aus"] as? [[String: Any]])
        XCTAssertEqual(aus.compactMap { $0["notation"] as? String }, ["1D", "2D", "4D", "5D", "20D", "26D"])
        XCTAssertEqual(aus.first?["name"] as? String, "Inner brow raiser")
        let variants = try XCTUnwrap(object["variants"] as? [[String: Any]])
        XCTAssertEqual(variants.filter { $0["is_default"] as? Bool == true }.count, 1)
        XCTAssertEqual(variants.count, 3)
    }

    func testEmotionErrors() throws {
        let unknown = try tbd("facs", "emotion", "bored")
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown emotion 'bored'"))
        XCTAssertNotEqual(try tbd("facs", "emotion", "happy", "--level", "4").status, 0)
    }

    func testSearch() throws {
        let run = try tbd("facs", "search", "brow", "--json")
        let codes = try XCTUnwrap(run.json as? [[String: Any]]).compactMap { $0["code"] as? Int }
        XCTAssertEqual(codes, [1, 2, 4])
        XCTAssertEqual(try XCTUnwrap(try tbd("facs", "search", "xyzzy", "--json").json as? [Any]).count, 0)
    }

    func testParseFindsEveryAUOfTheExample() throws {
        let run = try tbd("facs", "parse", "Brows raised (AU1+AU2), R12A, lips part 25 and jaw drop (AU 26C)", "--json")
        XCTAssertEqual(run.status, 0)
        let object = try XCTUnwrap(run.json as? [String: Any])
        XCTAssertEqual(object["aus"] as? [String], ["1", "2", "R12A", "25", "26C"])
        let mentions = try XCTUnwrap(object["mentions"] as? [[String: Any]])
        let r12 = try XCTUnwrap(mentions.first { $0["text"] as? String == "R12A" })
        let au = try XCTUnwrap(r12["au"] as? [String: Any])
        XCTAssertEqual(au["code"] as? Int, 12)
        XCTAssertEqual(au["side"] as? String, "R")
        XCTAssertEqual(au["intensity"] as? String, "A")
        XCTAssertEqual(r12["source"] as? String, "code")
        XCTAssertEqual((object["unknown"] as? [Any])?.count, 0)
    }

    func testValidateUnknownExitsOneNamingTheCode() throws {
        let run = try tbd("facs", "validate", "AU99", "--json")
        XCTAssertEqual(run.status, 1)
        let object = try XCTUnwrap(run.json as? [String: Any])
        XCTAssertEqual(object["valid"] as? Bool, false)
        let findings = try XCTUnwrap(object["findings"] as? [[String: Any]])
        XCTAssertEqual(findings.first?["kind"] as? String, "unknown_code")
        XCTAssertEqual(findings.first?["severity"] as? String, "error")
        XCTAssertEqual(findings.first?["codes"] as? [Int], [99])
        let text = try tbd("facs", "validate", "AU99")
        XCTAssertEqual(text.status, 1)
        XCTAssertTrue(text.stdout.contains("AU99"))
    }

    func testValidateWarningsExitZero() throws {
        let run = try tbd("facs", "validate", "AU12 + AU15", "--emotion", "happy", "--level", "2", "--json")
        XCTAssertEqual(run.status, 0)
        let object = try XCTUnwrap(run.json as? [String: Any])
        XCTAssertEqual(object["valid"] as? Bool, true)
        XCTAssertEqual(object["emotion"] as? String, "happy")
        let kinds = try XCTUnwrap(object["findings"] as? [[String: Any]]).compactMap { $0["kind"] as? String }
        XCTAssertEqual(Set(kinds), ["opposing_actions", "missing_core_au", "unexpected_au"])
        XCTAssertEqual(try tbd("facs", "validate", "AU26 and AU27").status, 1)
    }

    func testUsageErrorsGoToStderr() throws {
        let run = try tbd("facs", "au")
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("Missing expected argument"))
    }
}
