@testable import BatchAnnotation
import AnnotationRecord
import Foundation
import MediaIO
import Store
import TestSupport
import XCTest

/// A second run over a dataset that has grown (more views selected, a larger clip limit) and the checks a run
/// makes before it starts: the new clips join their units, and an empty plan is an error.
final class BatchReRunTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-batch-rerun")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func writeClip(_ relative: String) throws {
        let path = folder.appendingPathComponent(relative).path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let writer = try VideoWriter(path: path, width: 32, height: 32, fps: 25)
        for shade: UInt8 in [60, 160] { try writer.append(RGBImage(width: 32, height: 32, filledWith: (shade, shade, shade))) }
        _ = try writer.finish()
    }

    private func runner(_ store: ProjectStore) throws -> BatchRunner {
        BatchRunner(
            store: store, frames: try ReferenceFrameCache(directory: folder.appendingPathComponent("frames").path),
            annotator: ScriptedAnnotator(), concurrency: 2)
    }

    func testAReRunWithMoreViewsLinksTheNewClipsToTheUnitsAlreadyDone() throws {
        for view in ["front", "left_30"] {
            for clip in ["001", "002"] { try writeClip("mead/M003/video/\(view)/happy/level_1/\(clip).mp4") }
        }
        try Data("not a video".utf8).write(to: folder.appendingPathComponent("mead/M003/video/left_30/happy/level_1/003.mp4"))
        let scan = try MEADScanner().scan(root: folder.appendingPathComponent("mead").path)
        let store = try ProjectStore(path: folder.appendingPathComponent("tbd.sqlite").path)

        let front = BatchPlan(scan: scan, selection: BatchSelection(views: ["front"]), mode: .label)
        let first = try runner(store).run(front.units)
        XCTAssertEqual(first.annotated, 1)
        XCTAssertEqual(first.clipsLinked, 2)
        let id = try XCTUnwrap(try store.batchUnits()["mead/M003/happy/1"]?.annotationID)

        let all = BatchPlan(scan: scan, selection: BatchSelection(views: nil), mode: .label)
        XCTAssertEqual(all.clipsLinked, 5, "the plan counts every selected clip")
        let second = try runner(store).run(all.units)
        XCTAssertEqual(second.alreadyDone, 1)
        XCTAssertEqual(second.annotated, 0, "the unit keeps its annotation")
        XCTAssertEqual(second.clipsLinked, 2, "the two readable left_30 clips are linked now")
        XCTAssertEqual(second.unreadableClips.keys.map { ($0 as NSString).lastPathComponent }, ["003.mp4"], "a broken new clip is reported")
        let links = try store.clipLinks(annotationID: id)
        XCTAssertEqual(links.count, 4)
        XCTAssertEqual(Set(links.compactMap(\.view)), ["front", "left_30"])
        XCTAssertEqual(try store.statusCounts().pending, 1, "no second annotation")

        let third = try runner(store).run(all.units)
        XCTAssertEqual(third.clipsLinked, 0, "nothing is linked twice")
        XCTAssertEqual(try store.clipLinks(annotationID: id).count, 4)
    }

    func testLinkingToAUnitThatIsNotDoneChangesNothing() throws {
        let store = try ProjectStore(path: folder.appendingPathComponent("tbd.sqlite").path)
        XCTAssertNil(try store.linkClipsToDoneUnit(key: "mead/M003/happy/1", clips: [ClipLink(annotationID: 0, clipPath: "/x.mp4")]))
        XCTAssertEqual(try store.clipLinks().count, 0)
    }

    func testAnEmptyScanOrSelectionStopsTheJobBeforeItStarts() throws {
        let store = try ProjectStore(path: folder.appendingPathComponent("tbd.sqlite").path)
        XCTAssertThrowsError(try BatchJob(scan: ScanResult(skipped: [SkippedFile(path: "/a.txt", reason: "not a video file")]), settings: .init(), store: store)) {
            XCTAssertEqual($0 as? BatchError, .noClips(skipped: 1))
            XCTAssertTrue("\($0)".contains("no clip found"), "\($0)")
        }
        var settings = BatchJob.Settings()
        settings.selection = BatchSelection(actors: ["W999"])
        let scan = ScanResult(clips: [DatasetClip(dataset: .mead, path: "/m/1.mp4", actor: "M003", emotion: "happy", level: 1, view: "front")])
        XCTAssertThrowsError(try BatchJob(scan: scan, settings: settings, store: store)) {
            XCTAssertEqual($0 as? BatchError, .noClipSelected(found: 1))
        }
    }

    /// The offline reasoner stores `cot` annotations; the plan says so, and that no model is asked.
    func testThePlanReportsTheModeTheRunStores() throws {
        let store = try ProjectStore(path: folder.appendingPathComponent("tbd.sqlite").path)
        let scan = ScanResult(clips: [DatasetClip(dataset: .mead, path: "/m/1.mp4", actor: "M003", emotion: "happy", level: 1, view: "front")])
        let offline = try BatchJob(scan: scan, settings: .init(), store: store)
        XCTAssertEqual(offline.report.mode, "cot")
        XCTAssertFalse(offline.report.asksModel)
        XCTAssertEqual(offline.report.modelCallsTotal, 0)
        XCTAssertEqual(offline.report.estimatedSeconds, 0)
        XCTAssertTrue(offline.report.text.contains("model calls: none"), offline.report.text)
        var remote = BatchJob.Settings()
        remote.endpoints = ["http://127.0.0.1:9/v1"]
        let planned = try BatchJob(scan: scan, settings: remote, store: store)
        XCTAssertEqual(planned.report.mode, "cot")
        XCTAssertTrue(planned.report.asksModel)
        XCTAssertEqual(planned.report.modelCallsTotal, 4, "stage I, II, III and IV for one unit")
    }
}
