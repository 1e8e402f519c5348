import AnnotationRecord
import FACSKnowledge
import Foundation
import XCTest

final class AnnotationRecordTests: XCTestCase {
    private func sample() -> Annotation {
        Annotation(
            subject: AnnotationSubject(sourcePath: "/data/M003/front/happy/level_3/001.mp4", kind: .clip, actorID: "M003"),
            emotion: "happy", level: .intense, mode: .cot, backend: "offline-facs-rules", modelID: "qwen2-vl", templateVersion: "v1",
            stages: [StageRecord(index: 1, title: "I facial information", text: "a face", latencySeconds: 0.5, attempts: 1, startedAt: Date(timeIntervalSince1970: 1_800_000_000))],
            coarsePrompt: "a happy face", finePrompt: "cheeks raised", aus: ["6D", "R12A", "25"], findings: [])
    }

    func testAUsAreWrittenAsNotationAndReadBackTyped() throws {
        let text = try ProjectJSON.string(sample())
        XCTAssertTrue(text.contains(#""aus":["6D","R12A","25"]"#), text)
        XCTAssertTrue(text.contains(#""level":3"#) && text.contains(#""mode":"cot""#) && text.contains(#""kind":"clip""#), text)
        let back = try ProjectJSON.decode(Annotation.self, from: text)
        XCTAssertEqual(back, sample())
        XCTAssertEqual(back.aus[1], ScoredAU(code: 12, side: .right, intensity: .a))
    }

    /// The JSON form stays what the store's TEXT columns, the exports and every `--json` have always read.
    func testTheJSONFormIsFixed() throws {
        var other = sample()
        other.endpoint = "http://127.0.0.1:8088/v1"
        other.modelID = nil
        other.findings = [Finding(severity: .info, kind: .ambiguousMention, codes: [12], message: "smile")]
        XCTAssertEqual(try ProjectJSON.string(sample()), #"{"aus":["6D","R12A","25"],"backend":"offline-facs-rules","coarse_prompt":"a happy face","emotion":"happy","findings":[],"fine_prompt":"cheeks raised","level":3,"mode":"cot","model_id":"qwen2-vl","stages":[{"attempts":1,"index":1,"latency_seconds":0.5,"started_at":"2027-01-15T08:00:00Z","text":"a face","title":"I facial information"}],"subject":{"actor_id":"M003","kind":"clip","source_path":"/data/M003/front/happy/level_3/001.mp4"},"template_version":"v1"}"#)
        XCTAssertEqual(try ProjectJSON.string(other), #"{"aus":["6D","R12A","25"],"backend":"offline-facs-rules","coarse_prompt":"a happy face","emotion":"happy","endpoint":"http://127.0.0.1:8088/v1","findings":[{"codes":[12],"kind":"ambiguous_mention","message":"smile","severity":"info"}],"fine_prompt":"cheeks raised","level":3,"mode":"cot","stages":[{"attempts":1,"index":1,"latency_seconds":0.5,"started_at":"2027-01-15T08:00:00Z","text":"a face","title":"I facial information"}],"subject":{"actor_id":"M003","kind":"clip","source_path":"/data/M003/front/happy/level_3/001.mp4"},"template_version":"v1"}"#)
        XCTAssertEqual(try ProjectJSON.decode(Annotation.self, from: ProjectJSON.string(other)), other)
    }

    func testNotationThatIsNotFACSIsRefusedOnRead() throws {
        var text = try ProjectJSON.string(sample())
        text = text.replacingOccurrences(of: #""R12A""#, with: #""twelve""#)
        XCTAssertThrowsError(try ProjectJSON.decode(Annotation.self, from: text)) { error in
            XCTAssertTrue("\(error)".contains("twelve"), "\(error)")
        }
    }

    func testScoredAUNotationParsesExactlyWhatDescriptionWrites() {
        for written in ["6C", "R12A", "25", "L1E", "U14", "AU26D"] {
            let au = ScoredAU(notation: written)
            XCTAssertNotNil(au, written)
            XCTAssertEqual(au.flatMap { ScoredAU(notation: $0.description) }, au, written)
        }
        for bad in ["", "C", "12F", "R", "1234", "12 C", "x12"] { XCTAssertNil(ScoredAU(notation: bad), bad) }
        XCTAssertEqual(try ScoredAU.list(notation: "6C 12C+25, 17"), ["6C", "12C", "25", "17"])
        XCTAssertThrowsError(try ScoredAU.list(notation: "6C smile")) { XCTAssertTrue("\($0)".contains("smile")) }
    }

    /// Stage records stored before timings were kept hold six fields; they still read.
    func testOlderStageRecordsWithoutTimingsStillDecode() throws {
        let old = #"[{"index":2,"title":"II action units","text":"AU6","raw_reply":"{}","parsed":null}]"#
        let stages = try ProjectJSON.decode([StageRecord].self, from: old)
        XCTAssertEqual(stages.first?.index, 2)
        XCTAssertEqual(stages.first?.attempts, 0)
        XCTAssertEqual(stages.first?.rawReply, "{}")
    }
}
