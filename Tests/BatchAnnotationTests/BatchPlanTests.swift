@testable import BatchAnnotation
import AnnotationRecord
import DatasetLayout
import XCTest

final class BatchPlanTests: XCTestCase {
    /// A full-size MEAD index without files: 60 actors, every emotion and level, 30 clips each, all seven views.
    static func fullMEAD(clipsPerUnit: Int = 30) -> ScanResult {
        var clips: [DatasetClip] = []
        for number in 1...60 {
            let actor = String(format: "%@%03d", number % 2 == 0 ? "W" : "M", number)
            for emotion in MEADPath.emotions {
                for level in emotion == "neutral" ? [1] : [1, 2, 3] {
                    for view in MEADPath.views {
                        for clip in 1...clipsPerUnit {
                            clips.append(DatasetClip(
                                dataset: .mead, path: "/mead/\(actor)/video/\(view)/\(emotion)/level_\(level)/\(String(format: "%03d", clip)).mp4",
                                actor: actor, emotion: emotion, level: level, view: view))
                        }
                    }
                }
            }
        }
        return ScanResult(clips: clips)
    }

    func testFullMEADNeedsAtMostFivePercentOfACallPerClip() {
        let plan = BatchPlan(scan: Self.fullMEAD(), selection: BatchSelection(), mode: .cot)
        XCTAssertEqual(plan.clipsSelected, 60 * 22 * 30)
        XCTAssertEqual(plan.units.count, 60 * 22)
        XCTAssertEqual(plan.calls, BatchPlan.Calls(stageOne: 60, stagesTwoAndThree: 44, stageFour: 1320, direct: 0))
        XCTAssertEqual(plan.naiveCalls, 4 * 39_600)
        XCTAssertLessThanOrEqual(plan.callsPerClip, 0.05)
        XCTAssertEqual(plan.callsPerClip, 1424.0 / 39_600.0, accuracy: 1e-12)
    }

    func testFiltersLimitsAndDoneUnits() {
        let selection = BatchSelection(actors: ["m001", "W002"], emotions: ["happy", "neutral"], levels: [1, 3], views: ["front", "top"], clipLimitPerUnit: 5)
        let plan = BatchPlan(scan: Self.fullMEAD(clipsPerUnit: 3), selection: selection, mode: .cot, done: ["mead/M001/happy/1"])
        // 2 actors x (happy 1, happy 3, neutral 1) = 6 units, 2 views x 3 clips each selected; limit 5 linked per unit.
        XCTAssertEqual(plan.units.count, 6)
        XCTAssertEqual(plan.clipsSelected, 6 * 2 * 3)
        XCTAssertEqual(plan.clipsLinked, 6 * 5)
        XCTAssertEqual(plan.unitsAlreadyDone, 1)
        XCTAssertEqual(plan.calls, BatchPlan.Calls(stageOne: 2, stagesTwoAndThree: 6, stageFour: 5, direct: 0))
        XCTAssertEqual(plan.units.first?.key, "mead/M001/happy/1")
        XCTAssertEqual(plan.units.first?.reference.path, "/mead/M001/video/front/happy/level_1/001.mp4")
    }

    func testModesAndEstimate() {
        let scan = Self.fullMEAD(clipsPerUnit: 1)
        let describe = BatchPlan(scan: scan, selection: BatchSelection(), mode: .describe)
        XCTAssertEqual(describe.calls.total, 1320)
        XCTAssertEqual(describe.estimatedSeconds(concurrency: 16, secondsPerCall: 2), 83 * 2)
        let label = BatchPlan(scan: scan, selection: BatchSelection(), mode: .label)
        XCTAssertEqual(label.calls.total, 0)
        XCTAssertEqual(label.estimatedSeconds(concurrency: 16, secondsPerCall: 2), 0)
        let cot = BatchPlan(scan: scan, selection: BatchSelection(), mode: .cot)
        // Waves: I with II (60 + 22 = 82 -> 6 rounds), III (22 -> 2), IV (1320 -> 83).
        XCTAssertEqual(cot.estimatedSeconds(concurrency: 16, secondsPerCall: 1), 6 + 2 + 83)
    }
}
