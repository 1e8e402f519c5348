@testable import BatchAnnotation
import AnnotationRecord
import FACSKnowledge
import Foundation
import MediaIO
import Store
import TestSupport
import XCTest

/// Annotates from the unit's labels alone and records what it was given; fails units of one chosen actor.
final class ScriptedAnnotator: UnitAnnotating, @unchecked Sendable {
    let failingActor: String?
    private let lock = NSLock()
    private(set) var seen: [String: String] = [:]

    init(failingActor: String? = nil) { self.failingActor = failingActor }

    func annotate(_ unit: AnnotationUnit, frame: ReferenceFrame?, clip: DatasetClip) throws -> Annotation {
        lock.lock()
        seen[unit.key] = clip.path
        lock.unlock()
        if unit.actor == failingActor { throw UnitFailure("scripted failure for \(unit.actor)") }
        return Annotation(
            subject: AnnotationSubject(sourcePath: clip.path, kind: .unit, actorID: unit.actor, view: clip.view, contentHash: frame.map { "\($0.jpeg.count)" }),
            emotion: unit.emotion, level: EmotionLevel(rawValue: unit.level)!, mode: .label, backend: "scripted", templateVersion: "test",
            stages: [], coarsePrompt: "a person, \(unit.emotion)", finePrompt: "level \(unit.level)", aus: [], findings: [])
    }
}

final class BatchRunnerTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-batch")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func writeClip(_ relative: String) throws {
        let path = folder.appendingPathComponent(relative).path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let writer = try VideoWriter(path: path, width: 32, height: 32, fps: 25)
        for shade: UInt8 in [40, 120, 200] {
            try writer.append(RGBImage(width: 32, height: 32, filledWith: (shade, shade, shade)))
        }
        _ = try writer.finish()
    }

    /// Two actors x (happy 1, sad 2), two clips each; W009's happy reference clip is corrupt, M003's sad unit has
    /// only broken clips.
    private func makeTree() throws -> String {
        let root = folder.appendingPathComponent("mead")
        for actor in ["M003", "W009"] {
            for (emotion, level) in [("happy", 1), ("sad", 2)] {
                for clip in ["001", "002"] { try writeClip("mead/\(actor)/video/front/\(emotion)/level_\(level)/\(clip).mp4") }
            }
        }
        try Data("not a video".utf8).write(to: root.appendingPathComponent("W009/video/front/happy/level_1/001.mp4"))
        for clip in ["001", "002"] {
            try Data().write(to: root.appendingPathComponent("M003/video/front/sad/level_2/\(clip).mp4"))
        }
        return root.path
    }

    private func runner(store: ProjectStore, annotator: UnitAnnotating, retryFailed: Bool = false) throws -> BatchRunner {
        BatchRunner(
            store: store, frames: try ReferenceFrameCache(directory: folder.appendingPathComponent("frames").path),
            annotator: annotator, concurrency: 3, retryFailed: retryFailed)
    }

    func testRunAnnotatesLinksFallsBackAndResumes() throws {
        let plan = BatchPlan(scan: try MEADScanner().scan(root: try makeTree()), selection: BatchSelection(), mode: .label)
        XCTAssertEqual(plan.units.map(\.key), ["mead/M003/happy/1", "mead/M003/sad/2", "mead/W009/happy/1", "mead/W009/sad/2"])
        let store = try ProjectStore(path: folder.appendingPathComponent("tbd.sqlite").path)
        let annotator = ScriptedAnnotator()
        let lines = LineCollector()
        let first = try runner(store: store, annotator: annotator).run(plan.units, progress: BatchProgress(total: 4, interactive: false, interval: 0, write: { lines.append($0) }))
        XCTAssertEqual(first.annotated, 3)
        XCTAssertEqual(first.failed, 1)
        XCTAssertEqual(first.clipsLinked, 5, "the corrupt clip is reported, not linked")
        XCTAssertEqual(first.unreadableClips.keys.map { ($0 as NSString).lastPathComponent }.sorted(), ["001.mp4", "001.mp4", "002.mp4"])
        XCTAssertTrue(first.unreadableClips.keys.contains { $0.contains("W009/video/front/happy/level_1/001.mp4") })
        XCTAssertTrue(first.errors["mead/M003/sad/2"]?.contains("no clip of the unit could be decoded") ?? false)
        XCTAssertTrue(annotator.seen["mead/W009/happy/1"]?.hasSuffix("002.mp4") ?? false, "a corrupt reference clip falls back to the next clip")
        XCTAssertEqual(lines.lines.count, 4)
        XCTAssertTrue(lines.lines.last?.contains("4/4 done 3, failed 1, left 0") ?? false)

        let units = try store.batchUnits()
        XCTAssertEqual(units["mead/M003/sad/2"]?.status, .failed)
        XCTAssertEqual(units["mead/M003/sad/2"]?.attempts, 1)
        let doneID = try XCTUnwrap(units["mead/M003/happy/1"]?.annotationID)
        XCTAssertEqual(try store.clipLinks(annotationID: doneID).count, 2)
        XCTAssertEqual(try store.statusCounts().pending, 3)

        // The same run again: nothing new, the failure kept; with retryFailed it is attempted once more.
        let again = try runner(store: store, annotator: ScriptedAnnotator()).run(plan.units)
        XCTAssertEqual(again.annotated, 0)
        XCTAssertEqual(again.alreadyDone, 3)
        XCTAssertEqual(again.previouslyFailedNotRetried, 1)
        XCTAssertEqual(again.framesDecoded, 0)
        let retried = try runner(store: store, annotator: ScriptedAnnotator(), retryFailed: true).run(plan.units)
        XCTAssertEqual(retried.failed, 1)
        XCTAssertEqual(try store.batchUnits()["mead/M003/sad/2"]?.attempts, 2)
        XCTAssertEqual(try store.statusCounts().pending, 3, "no duplicate annotations")
    }

    func testAnnotatorFailureIsRecordedAndOthersGoOn() throws {
        let plan = BatchPlan(scan: try MEADScanner().scan(root: try makeTree()), selection: BatchSelection(), mode: .label)
        let store = try ProjectStore(path: folder.appendingPathComponent("tbd.sqlite").path)
        let summary = try runner(store: store, annotator: ScriptedAnnotator(failingActor: "W009")).run(plan.units)
        XCTAssertEqual(summary.annotated, 1)
        XCTAssertEqual(summary.failed, 3)
        XCTAssertEqual(summary.errors["mead/W009/sad/2"], "scripted failure for W009")
        XCTAssertEqual(try store.batchUnits()["mead/W009/happy/1"]?.error, "scripted failure for W009")
    }

    func testCompletingAUnitTwiceKeepsOneAnnotation() throws {
        let store = try ProjectStore(path: folder.appendingPathComponent("tbd.sqlite").path)
        let annotation = try ScriptedAnnotator().annotate(
            AnnotationUnit(dataset: .mead, actor: "M003", emotion: "happy", level: 1, clips: []), frame: nil,
            clip: DatasetClip(dataset: .mead, path: "/x.mp4", actor: "M003", emotion: "happy", level: 1, view: "front"))
        let first = try store.completeBatchUnit(key: "mead/M003/happy/1", annotation: annotation, clips: [])
        let second = try store.completeBatchUnit(key: "mead/M003/happy/1", annotation: annotation, clips: [])
        XCTAssertEqual(first, second)
        XCTAssertEqual(try store.statusCounts().pending, 1)
        try store.failBatchUnit(key: "mead/M003/happy/1", error: "late failure")
        XCTAssertEqual(try store.batchUnits()["mead/M003/happy/1"]?.status, .done, "a failure never overwrites a done unit")
    }
}

final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
    func append(_ text: String) {
        lock.lock()
        stored += text.split(separator: "\n").map(String.init)
        lock.unlock()
    }
}
