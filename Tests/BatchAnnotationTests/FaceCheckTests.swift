@testable import BatchAnnotation
import FaceAnalysis
import Foundation
import MediaIO
import Store
import TestSupport
import XCTest

/// The batch's face check on clips made from real photographs: the astronaut (one face), a coffee cup (none) and
/// the cup with three pasted faces (several). Clips are 10 frames, small, so each test stays fast.
final class FaceCheckTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static var detector: FaceDetector?
    var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-face-check")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Loaded once for the class, as a batch run loads it once.
    private func faceCheck() throws -> FaceCheck {
        if Self.detector == nil { Self.detector = try FaceDetector() }
        return FaceCheck(detector: Self.detector!)
    }

    private func photograph(_ name: String) throws -> RGBImage {
        let path = name == "astronaut"
            ? Self.root.appendingPathComponent("data/astronaut.png").path
            : Self.root.appendingPathComponent("Tests/FaceAnalysisTests/Fixtures/images/\(name).png").path
        return try FrameReader.readFrame(path: path)
    }

    /// The astronaut (512x512) at 256x256, whose face MTCNN puts at (181, 62, 268, 172) at full size.
    private func astronaut() throws -> RGBImage { try photograph("astronaut").scaled(width: 256, height: 256) }

    @discardableResult
    private func writeClip(_ relative: String, _ frames: [RGBImage]) throws -> String {
        let path = folder.appendingPathComponent(relative).path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let writer = try VideoWriter(path: path, width: frames[0].width, height: frames[0].height, fps: 25)
        for frame in frames { try writer.append(frame) }
        _ = try writer.finish()
        return path
    }

    private func runner(_ store: ProjectStore, faceCheck: FaceCheck?) throws -> BatchRunner {
        BatchRunner(
            store: store, frames: try ReferenceFrameCache(directory: folder.appendingPathComponent("frames").path),
            annotator: ScriptedAnnotator(), concurrency: 2, faceCheck: faceCheck)
    }

    /// M003 happy 1: a face clip, a clip of nobody and a clip of three people; W009 sad 2: only a clip of nobody.
    private func makeTree() throws -> (units: [AnnotationUnit], face: String, noFace: String, several: String) {
        let face = try writeClip("mead/M003/video/front/happy/level_1/001.mp4", Array(repeating: try astronaut(), count: 10))
        let noFace = try writeClip("mead/M003/video/front/happy/level_1/002.mp4", Array(repeating: try photograph("no-face"), count: 10))
        let several = try writeClip("mead/M003/video/front/happy/level_1/003.mp4", Array(repeating: try photograph("several"), count: 10))
        try writeClip("mead/W009/video/front/sad/level_2/001.mp4", Array(repeating: try photograph("no-face"), count: 10))
        let plan = BatchPlan(scan: try MEADScanner().scan(root: folder.appendingPathComponent("mead").path), selection: BatchSelection(), mode: .label)
        return (plan.units, face, noFace, several)
    }

    func testOnlyClipsWithOneFaceAreLinkedAndTheReferenceFaceIsStored() throws {
        let tree = try makeTree()
        let store = try ProjectStore(path: folder.appendingPathComponent("tbd.sqlite").path)
        let summary = try runner(store, faceCheck: try faceCheck()).run(tree.units)
        XCTAssertEqual(summary.annotated, 1)
        XCTAssertEqual(summary.failed, 1)
        XCTAssertEqual(summary.clipsLinked, 1, "only the face clip is linked")
        XCTAssertEqual(summary.clipsWithoutFace[tree.noFace], "no face found in 5 candidate frames")
        XCTAssertEqual(summary.clipsWithoutFace[tree.several], "several faces in 5 of 5 candidate frames")

        let id = try XCTUnwrap(try store.batchUnits()["mead/M003/happy/1"]?.annotationID)
        XCTAssertEqual(try store.clipLinks(annotationID: id).map(\.clipPath), [tree.face])
        let face = try XCTUnwrap(try store.show(id: id).referenceFace, "the reference's face is stored with the unit")
        for (found, expected) in zip(face.box, [181.05, 62.16, 267.75, 172.05].map { $0 / 2 }) {
            XCTAssertEqual(found, expected, accuracy: 3, "box \(face.box) at 256x256")
        }
        XCTAssertGreaterThan(face.probability, 0.99)
        XCTAssertEqual(face.landmarks.count, 5)
        XCTAssertEqual([face.frameWidth, face.frameHeight], [256, 256])
        XCTAssertEqual(face.frameIndex, 5, "identical frames: the one nearest the middle wins")
        XCTAssertEqual(face.frameSeconds ?? -1, 0.2, accuracy: 1e-9)
        XCTAssertEqual(face.detector, "mtcnn facenet-pytorch 2.6.0")

        // A unit with no usable clip fails with the reason, and the failure is kept for --retry-failed.
        let failure = try XCTUnwrap(try store.batchUnits()["mead/W009/sad/2"])
        XCTAssertEqual(failure.status, .failed)
        XCTAssertTrue(failure.error?.contains("no clip of the unit shows one usable face") ?? false, failure.error ?? "")
        XCTAssertTrue(failure.error?.contains("W009/video/front/sad/level_2/001.mp4: no face found in 5 candidate frames") ?? false, failure.error ?? "")

        let text = BatchRunReport(database: "tbd.sqlite", summary: summary, modelCalls: 0, cacheHits: 0, seconds: 1).text
        XCTAssertTrue(text.contains("no usable face, not linked: \(tree.noFace): no face found in 5 candidate frames"), text)
        XCTAssertTrue(text.contains("no usable face, not linked: \(tree.several): several faces"), text)
    }

    /// Without the face check (`--no-face-check`), every readable clip is linked, as before, and no face is stored.
    func testWithoutTheFaceCheckEveryReadableClipIsLinked() throws {
        let tree = try makeTree()
        let store = try ProjectStore(path: folder.appendingPathComponent("tbd.sqlite").path)
        let summary = try runner(store, faceCheck: nil).run(tree.units)
        XCTAssertEqual(summary.annotated, 2)
        XCTAssertEqual(summary.clipsLinked, 4)
        XCTAssertEqual(summary.clipsWithoutFace, [:])
        let id = try XCTUnwrap(try store.batchUnits()["mead/M003/happy/1"]?.annotationID)
        XCTAssertEqual(try store.clipLinks(annotationID: id).count, 3)
        XCTAssertNil(try store.show(id: id).referenceFace)
    }

    /// Among one-face frames the sharpest is the reference: here the only frame not blurred.
    func testTheSharpestCandidateFrameIsChosen() throws {
        let sharp = try astronaut()
        let blurred = try sharp.scaled(width: 128, height: 128).scaled(width: 256, height: 256)
        var frames = Array(repeating: blurred, count: 10)
        frames[3] = sharp
        let path = try writeClip("clip.mp4", frames)
        guard case .face(let chosen) = try faceCheck().sharpestFace(path: path, around: .middle) else {
            return XCTFail("the clip shows one face")
        }
        XCTAssertEqual(chosen.frameIndex, 3)
        XCTAssertGreaterThan(FaceSharpness.laplacianVariance(sharp, box: chosen.face.box),
                             FaceSharpness.laplacianVariance(blurred, box: chosen.face.box))
    }

    func testCandidateFramesAreCentredOnTheChoiceAndStayInsideTheClip() {
        XCTAssertEqual(CandidateFrames.indices(around: .middle, frameCount: 100, fps: 25, count: 5), [50, 40, 60, 30, 70])
        XCTAssertEqual(CandidateFrames.indices(around: .first, frameCount: 100, fps: 25, count: 5), [0, 10, 20, 30, 40])
        XCTAssertEqual(CandidateFrames.indices(around: .index(99), frameCount: 100, fps: 25, count: 5), [99, 89, 79, 69, 59])
        XCTAssertEqual(CandidateFrames.indices(around: .time(seconds: 2), frameCount: 100, fps: 25, count: 5), [50, 40, 60, 30, 70])
        XCTAssertEqual(CandidateFrames.indices(around: .middle, frameCount: 3, fps: 25, count: 5), [1, 0, 2])
        XCTAssertEqual(CandidateFrames.indices(around: .middle, frameCount: 1, fps: 0, count: 5), [0], "a still image")
    }

    /// Missing weights stop the run before it starts, saying how to get them and how to run without the check.
    func testMissingWeightsAreAClearErrorBeforeTheRun() {
        XCTAssertThrowsError(try BatchJob.loadFaceCheck(weights: folder.appendingPathComponent("absent"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("the face check cannot start"), text)
            XCTAssertTrue(text.contains("fetch-face-weights.py"), text)
            XCTAssertTrue(text.contains("--no-face-check"), text)
        }
    }
}
