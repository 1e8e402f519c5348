import AnnotationRecord
import Foundation
import ReproducibleTesting
import LoopbackChatServer
import XCTest
@testable import CoTFA

/// Replies built to cost: megabytes, thousands of braces or AUs, reasons of hundreds of kilobytes. A reply over
/// `ReplyJSONExtractor.maxReplyBytes` is refused unread, the work on one within it grows linearly with its size
/// (n against 4n; see `Growth`), and what is kept of it and shown of it is bounded.
final class HostileReplyTests: XCTestCase {
    private static let limit = ReplyJSONExtractor.maxReplyBytes

    private func reply(_ content: String) -> ChatReply {
        ChatReply(content: content, finishReason: "stop", model: nil, usage: nil)
    }

    /// Stage II's answer with `count` AUs (more than the 40 an answer may hold, so it is refused after the parse).
    private func actionUnits(_ count: Int, reasonBytes: Int = 12, trailingCommas: Bool = false) -> String {
        let comma = trailingCommas ? "," : ""
        let reason = String(repeating: "r", count: reasonBytes)
        let units = (0..<count).map { #"{"code":"AU\#($0 % 28 + 1)","intensity":"C","reason":"\#(reason)"\#(comma)}"# }
        return #"{"action_units":["# + units.joined(separator: ",") + comma + "]}"
    }

    func testAReplyOverTheLimitIsRefusedUnreadNamingItsSize() throws {
        let padded = { (size: Int) in #"{"a":"b"}"# + String(repeating: " ", count: size - 9) }
        XCTAssertEqual(try ReplyJSONExtractor.extract(padded(Self.limit))["a"]?.stringValue, "b", "a reply of exactly the limit is read")
        XCTAssertThrowsError(try ReplyJSONExtractor.extract(padded(Self.limit + 1))) { error in
            XCTAssertEqual("\(error)", "the reply is \(Self.limit + 1) bytes long, over the \(Self.limit) bytes a stage reads, so it was not read")
        }
        // Bytes, not characters: 100,000 three-byte characters are over the limit.
        XCTAssertThrowsError(try ReplyJSONExtractor.extract(String(repeating: "表", count: 100_000))) { error in
            XCTAssertTrue("\(error)".contains("300000 bytes long"), "\(error)")
        }
    }

    /// Each '{' was read to the end of the reply in turn: 10,000 braces took seconds and 2 MB never finished. At most
    /// `maxCandidates` are tried, and the message says so.
    func testOnlyTheFirstBracesAreTriedAsTheObjectsStart() throws {
        let prose = String(repeating: "{x} ", count: ReplyJSONExtractor.maxCandidates)
        XCTAssertThrowsError(try ReplyJSONExtractor.extract(prose + #"{"a":"b"}"#)) { error in
            XCTAssertTrue("\(error)".contains("the first \(ReplyJSONExtractor.maxCandidates) '{' of the reply were tried"), "\(error)")
        }
        let fewer = String(repeating: "{x} ", count: ReplyJSONExtractor.maxCandidates - 1)
        XCTAssertEqual(try ReplyJSONExtractor.extract(fewer + #"{"a":"b"}"#)["a"]?.stringValue, "b", "the last brace tried is the object")
    }

    func testExtractionGrowsLinearlyWithHostileShapes() {
        // Each shape at most `size` bytes, so none is refused by its size instead of read (an AU is under 60).
        let shapes: [(String, (Int) -> String)] = [
            ("braces", { String(repeating: "{", count: $0) }),
            ("braces opening strings", { String(repeating: #"{""#, count: $0 / 2) }),
            ("objects never closed", { String(repeating: #"{"a":"#, count: $0 / 5) }),
            ("AUs", { self.actionUnits($0 / 60) }),
            ("AUs with trailing commas", { self.actionUnits($0 / 60, trailingCommas: true) }),
        ]
        for (name, make) in shapes {
            assertLinearGrowth(name, from: 4_000, largest: Self.limit) { size in
                let text = make(size)
                return { _ = try? ReplyJSONExtractor.extract(text) }
            }
        }
    }

    /// Reading an answer: extraction, strict validation and the clean-up of every string (500 KB of reason took
    /// seconds in `TerminalText.strip`).
    func testReadingAnAnswerGrowsLinearly() {
        assertLinearGrowth("one long reason", from: 4_000, largest: Self.limit) { size in
            let reply = self.reply(self.actionUnits(1, reasonBytes: size))
            return { _ = RemoteConversation.parse(ActionUnitAnalysis.self, reply) }
        }
        assertLinearGrowth("many AUs", from: 4_000, largest: Self.limit) { size in
            let reply = self.reply(self.actionUnits(size / 60))
            return { _ = RemoteConversation.parse(ActionUnitAnalysis.self, reply) }
        }
        assertLinearGrowth("a long fine prompt", from: 4_000, largest: Self.limit) { size in
            let fine = String(repeating: "AU99 lips, ", count: size / 11)
            let reply = self.reply(#"{"coarse_prompt":"a face","fine_prompt":"\#(fine)"}"#)
            return { _ = RemoteConversation.parse(PromptDesign.self, reply) }
        }
    }

    /// Fitting dropped one phrase at a time and recounted the rest, and unknown codes were found from the start of
    /// the prompt each: quadratic in the phrases and codes of a fine prompt (1000 phrases took seconds).
    func testGroundingGrowsLinearlyWithThePhrasesOfAPrompt() throws {
        let checker = GroundingChecker(table: Fixtures.table, budget: PromptBudget(counter: try CLIPPromptTokenCounter()))
        for (label, phrase, separator) in [
            ("phrases", "soft light", ", "), ("unknown codes", "AU99", " and "), ("codes as notation", "12C 99", " "),
            ("names and bare numbers", "lips part 25, jaw drop", " "),
        ] {
            assertLinearGrowth(label, from: 100) { size in
                let prompt = PromptDesign(coarsePrompt: "a face", finePrompt: Array(repeating: phrase, count: size).joined(separator: separator))
                return { _ = checker.check(emotion: "happy", level: .moderate, actionUnits: [], muscles: nil, prompts: prompt) }
            }
        }
    }

    /// The unknown codes of a prompt are each marked where they stand, by the one walk through it.
    func testUnknownCodesAreMarkedInPlace() throws {
        let checker = GroundingChecker(table: Fixtures.table, budget: PromptBudget(limit: 1000))
        let report = checker.check(
            emotion: "happy", level: .moderate, actionUnits: [], muscles: nil,
            prompts: PromptDesign(coarsePrompt: "a face", finePrompt: "AU99 raised, AU12 lip corners, AU 98 and AU97"))
        XCTAssertEqual(report.finePrompt, "[unverified:AU99] raised, AU12 lip corners, [unverified:AU98] and [unverified:AU97]")
        XCTAssertEqual(report.findings.filter { $0.kind == .unknownCode }.map(\.codes), [[99], [98], [97]])
    }

    /// Against the loopback server: a stage IV reply over the limit, twice, fails the item quickly, naming the stage
    /// and the size, and the records keep only the start of each reply.
    func testAnOversizedReplyFailsItsStageAndIsKeptOnlyInPart() throws {
        let huge = #"{"coarse_prompt":"a face","fine_prompt":""# + String(repeating: "{\"", count: 1_000_000) + "\"}"
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 4, .chat(huge), times: 2))
        XCTAssertThrowsError(try Fixtures.pipeline(server).annotate(Fixtures.input())) { error in
            guard let failure = error as? AnnotationFailure else { return XCTFail("\(error)") }
            XCTAssertEqual(failure.stageIndex, 4)
            XCTAssertTrue(failure.description.hasPrefix("stage IV prompt design failed"), failure.description)
            XCTAssertTrue(failure.description.contains("the reply is \(huge.utf8.count) bytes long, over the \(Self.limit) bytes"), failure.description)
            let stage = failure.stages.last!
            let more = "… (\(huge.utf8.count - Self.limit) bytes more)"
            XCTAssertEqual(stage.rawReply?.utf8.count, Self.limit + more.utf8.count)
            XCTAssertTrue(stage.rawReply?.hasSuffix(more) ?? false)
            XCTAssertEqual(stage.rejectedReply, stage.rawReply, "the first reply is kept in part too")
        }
        // The repair turn quotes the start of the reply, not 2 MB of it.
        XCTAssertLessThan(server.chatRequests.last!.body.count, 40_000)
    }
}
