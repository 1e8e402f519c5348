import AnnotationRecord
import CoTFA
import FACSKnowledge
import Foundation
import XCTest

final class OfflineReasonerTests: XCTestCase {
    private let pipeline = try! CoTFAPipeline(table: Fixtures.table, backend: .offline)

    private func input(_ emotion: String, level: EmotionLevel = .moderate, subject: String? = nil, actor: String? = nil, mode: AnnotationMode = .cot) -> AnnotationInput {
        AnnotationInput(
            subject: AnnotationSubject(sourcePath: "M003/video/front/\(emotion)/level_2/001.mp4", kind: .clip, actorID: actor, description: subject),
            emotion: emotion, level: level, mode: mode)
    }

    func testFillsTheFourStagesFromTheTable() throws {
        let annotation = try pipeline.annotate(input("happy", level: .intense, subject: "a woman in her thirties with short dark hair and glasses"))
        XCTAssertEqual(annotation.stages.map(\.index), [1, 2, 3, 4])
        XCTAssertEqual(annotation.aus, ["6D", "12D"])
        XCTAssertEqual(annotation.backend, "offline-facs-rules")
        XCTAssertEqual(annotation.provenance?.offline, true)
        XCTAssertTrue(annotation.provenance?.note?.contains("no model was asked") ?? false)
        XCTAssertNil(annotation.modelID)
        XCTAssertNil(annotation.endpoint)
        XCTAssertTrue(annotation.stages.allSatisfy { $0.request == nil }, "no request was sent")
        let facial = annotation.stages[0].text
        XCTAssertTrue(facial.contains("age range: 30-39"), facial)
        XCTAssertTrue(facial.contains("female-presenting"), facial)
        XCTAssertTrue(facial.contains("hair: short dark hair"), facial)
        XCTAssertTrue(facial.contains("glasses"), facial)
        XCTAssertTrue(annotation.stages[2].text.contains("zygomaticus major"))
        XCTAssertEqual(annotation.coarsePrompt, "a woman in her thirties with short dark hair and glasses, intense happy expression")
        XCTAssertTrue(annotation.finePrompt.hasPrefix("intense happiness: AU6D cheek raiser (orbicularis oculi), AU12D lip corner puller (zygomaticus major), the cheeks lift"), annotation.finePrompt)
        XCTAssertTrue(annotation.findings.allSatisfy { $0.severity != .error }, "\(annotation.findings)")
    }

    func testReadsWhatTheSubjectWears() throws {
        let annotation = try pipeline.annotate(input("happy", subject: "a woman in her forties with short dark hair, in a spacesuit"))
        XCTAssertTrue(annotation.stages[0].text.contains("notable features: spacesuit"), annotation.stages[0].text)
        let other = try pipeline.annotate(input("happy", subject: "a 45 year old man wearing a red scarf and glasses"))
        XCTAssertTrue(other.stages[0].text.contains("age range: about 45"), other.stages[0].text)
        XCTAssertTrue(other.stages[0].text.contains("glasses; red scarf"), other.stages[0].text)
    }

    func testIsDeterministic() throws {
        let first = try pipeline.annotate(input("fear", subject: "an older man"))
        let second = try pipeline.annotate(input("fear", subject: "an older man"))
        XCTAssertEqual(first.stages.map(\.parsed), second.stages.map(\.parsed))
        XCTAssertEqual(first.finePrompt, second.finePrompt)
        XCTAssertEqual(first.findings, second.findings)
    }

    func testMEADActorIDGivesPresentationWhenNoDescription() throws {
        let man = try pipeline.annotate(input("angry", actor: "M003"))
        XCTAssertTrue(man.stages[0].text.contains("male-presenting (from the MEAD actor id)"), man.stages[0].text)
        XCTAssertTrue(man.coarsePrompt.hasPrefix("a man, moderate angry"), man.coarsePrompt)
        let woman = try pipeline.annotate(input("angry", actor: "W011"))
        XCTAssertTrue(woman.coarsePrompt.hasPrefix("a woman, moderate angry"), woman.coarsePrompt)
        let unknown = try pipeline.annotate(input("angry"))
        XCTAssertTrue(unknown.stages[0].text.contains("gender presentation: not stated"))
    }

    func testPromptsFitTheBudgetForEveryEmotionAndLevel() throws {
        let counter = ConservativeCLIPTokenEstimate()
        for prototype in Fixtures.table.emotions {
            for level in EmotionLevel.allCases {
                let annotation = try pipeline.annotate(input(prototype.emotion, level: level, subject: "a person"))
                XCTAssertLessThanOrEqual(counter.tokenCount(annotation.finePrompt), 77, annotation.finePrompt)
                XCTAssertLessThanOrEqual(counter.tokenCount(annotation.coarsePrompt), 77)
                XCTAssertFalse(annotation.finePrompt.isEmpty)
            }
        }
    }

    /// Stage IV fits the budget by design: with SD1.5's exact tokenizer every emotion at every level keeps each
    /// of its AUs in the fine prompt, and nothing is cut afterwards (fear at level 2 used to lose AU26).
    func testEveryAUStaysInTheFinePromptWithinTheExactBudget() throws {
        let exact = try CoTFAPipeline(table: Fixtures.table, backend: .offline, budget: PromptBudget(counter: try CLIPPromptTokenCounter()))
        let counter = try CLIPPromptTokenCounter()
        for prototype in Fixtures.table.emotions {
            for level in EmotionLevel.allCases {
                let annotation = try exact.annotate(input(prototype.emotion, level: level, subject: "a person"))
                XCTAssertLessThanOrEqual(counter.tokenCount(annotation.finePrompt), 77, annotation.finePrompt)
                for au in annotation.aus {
                    XCTAssertTrue(annotation.finePrompt.contains("AU\(au.code)"), "\(prototype.emotion) \(level): AU\(au.code) missing from \(annotation.finePrompt)")
                }
                XCTAssertFalse(annotation.findings.contains { $0.kind == .promptOverBudget }, "\(prototype.emotion) \(level): \(annotation.findings)")
            }
        }
        let fear = try exact.annotate(input("fear", level: .moderate))
        XCTAssertTrue(fear.finePrompt.contains("AU26C jaw drop"), fear.finePrompt)
    }

    /// Stands in for the renderer's exact CLIP tokenizer: one token per word plus start and end.
    private struct WordCounter: PromptTokenCounter {
        let name = "words"
        func tokenCount(_ text: String) -> Int { text.split(separator: " ").count + 2 }
    }

    func testAnExactTokenCounterPlugsIn() throws {
        let exact = try CoTFAPipeline(table: Fixtures.table, backend: .offline, budget: PromptBudget(limit: 10, counter: WordCounter()))
        let annotation = try exact.annotate(input("happy"))
        XCTAssertLessThanOrEqual(annotation.finePrompt.split(separator: " ").count, 8, annotation.finePrompt)
        // Ten words hold no names: both AUs stay, as codes, rather than one of them being cut.
        XCTAssertEqual(annotation.finePrompt, "moderate happiness: AU6C, AU12C")
        XCTAssertEqual(annotation.provenance?.tokenCounter, "words")
        XCTAssertEqual(annotation.provenance?.tokenBudget, 10)
    }

    func testNeutralHasNoActionUnits() throws {
        let annotation = try pipeline.annotate(input("neutral", level: .mild))
        XCTAssertTrue(annotation.aus.isEmpty)
        XCTAssertTrue(annotation.finePrompt.contains("no active action units"), annotation.finePrompt)
    }

    func testDescribeModeGivesOneStage() throws {
        let annotation = try pipeline.annotate(input("surprised", mode: .describe))
        XCTAssertEqual(annotation.stages.count, 1)
        XCTAssertEqual(annotation.aus, Fixtures.table.expectedAUs(for: Fixtures.table.emotion("surprised")!, level: .moderate))
    }

    func testUnknownEmotionIsAnInputError() {
        XCTAssertThrowsError(try pipeline.annotate(input("bored"))) { error in
            XCTAssertTrue(error is CoTFAInputError)
            XCTAssertTrue("\(error)".contains("unknown emotion 'bored'"))
        }
    }

    func testProvenanceJSONIsAnObjectWithTheTemplateVersion() throws {
        let annotation = try pipeline.annotate(input("sad"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(annotation.provenance!.jsonText.utf8)) as? [String: Any])
        XCTAssertEqual(object["template_version"] as? String, annotation.templateVersion)
        XCTAssertEqual(object["backend"] as? String, "offline-facs-rules")
        XCTAssertEqual(object["offline"] as? Bool, true)
        XCTAssertEqual(object["token_budget"] as? Int, 77)
    }
}
