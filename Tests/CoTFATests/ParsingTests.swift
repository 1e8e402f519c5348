import AnnotationRecord
import CoTFA
import Foundation
import XCTest

final class ParsingTests: XCTestCase {
    func testExtractsJSONFromFencesProseAndTrailingCommas() throws {
        let reply = "Here you go {not json} :\n```json\n{\"a\": [1, 2,], \"b\": \"x}y\",}\n```\nthanks"
        let value = try ReplyJSONExtractor.extract(reply)
        XCTAssertEqual(value["b"]?.stringValue, "x}y")
        XCTAssertEqual(value["a"], .array([.number(1), .number(2)]))
    }

    func testWritesJSONThatRoundTrips() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{07} é 😀 end"
        let value = JSONValue.object(["b": .array([.number(1.5), .number(2), .bool(true), .null]), "a": .string(tricky)])
        XCTAssertTrue(value.compactText.hasPrefix(#"{"a":"#), "keys sorted")
        XCTAssertEqual(try JSONValue(parsing: Data(value.compactText.utf8)), value)
    }

    func testKeepsCommasInsideStrings() throws {
        let value = try ReplyJSONExtractor.extract(#"{"a": "one,}", "b": "two"}"#)
        XCTAssertEqual(value["a"]?.stringValue, "one,}")
    }

    func testReportsUnclosedAndMissingObjects() {
        XCTAssertThrowsError(try ReplyJSONExtractor.extract(#"{"a": "b""#)) { XCTAssertTrue("\($0)".contains("before its JSON object is closed")) }
        XCTAssertThrowsError(try ReplyJSONExtractor.extract("no json here")) { XCTAssertTrue("\($0)".contains("no JSON object")) }
    }

    func testTokenEstimateIsConservativeForKnownCLIPCounts() {
        let counter = ConservativeCLIPTokenEstimate()
        // CLIP's tokenizer gives 2 + 4 tokens for "a happy woman smiling"; the estimate may only be higher.
        XCTAssertGreaterThanOrEqual(counter.tokenCount("a happy woman smiling"), 6)
        XCTAssertEqual(counter.tokenCount(""), 2)
        XCTAssertEqual(counter.tokenCount("AU12, lip"), 2 + 1 + 2 + 1 + 1)
    }

    func testBudgetDropsTrailingPhrasesFirst() {
        // Estimates: "cheek raiser, lip corner puller" is 2 + 1 + 2 + 1 + 1 + 2 + 2 = 11.
        XCTAssertEqual(PromptBudget(limit: 12).fit("cheek raiser, lip corner puller, nose wrinkler"), "cheek raiser, lip corner puller")
        XCTAssertEqual(PromptBudget(limit: 4).fit("cheek raiser, lip corner puller"), "cheek", "then trailing words")
        XCTAssertEqual(PromptBudget(limit: 12).fit("short"), "short")
    }

    func testTemplatesRenderAndAreVersionedByContent() throws {
        let templates = try StageTemplates.bundled()
        XCTAssertTrue(templates.version.hasPrefix("tpl-"))
        XCTAssertEqual(templates.version.count, 16)
        XCTAssertNotNil(templates.schema("stage2-action-units"))
        XCTAssertThrowsError(try templates.render("stage3-muscles.txt", [:])) { XCTAssertTrue("\($0)".contains("no value for {{")) }
        var files: [String: Data] = [:]
        for name in ["system.txt", "stage1-facial-information.txt", "stage2-action-units.txt", "stage3-muscles.txt",
                     "stage4-prompt-design.txt", "describe.txt", "repair.txt", "label-coarse.txt", "label-fine.txt",
                     "offline-coarse.txt", "offline-fine.txt", "offline-fine-rest.txt", "offline-variation.txt"] {
            files[name] = Data("text of \(name) {{x}}".utf8)
        }
        for name in ["stage1-facial-information", "stage2-action-units", "stage3-muscles", "stage4-prompt-design", "describe"] {
            files["schemas/\(name).json"] = Data("{}".utf8)
        }
        let one = try StageTemplates(files: files)
        files["repair.txt"] = Data("changed {{x}}".utf8)
        let two = try StageTemplates(files: files)
        XCTAssertNotEqual(one.version, two.version)
        XCTAssertEqual(try two.render("repair.txt", ["x": "1"]), "changed 1")
    }
}
