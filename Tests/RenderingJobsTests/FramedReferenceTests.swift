import FaceAnalysis
import Foundation
import MediaIO
import Store
@_spi(Development) import Renderer
@testable import RenderingJobs
import Tensors
import TestSupport
import XCTest

/// `--crop face`: the reference cut to a square around its face, the talking head's audio masks from the same
/// detection, and a clear refusal when there is no face to frame. Real photographs, real trained weights.
final class FramedReferenceTests: XCTestCase {
    private static let astronaut = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../data/astronaut.png").standardized.path

    private func temporaryFolder() throws -> URL {
        let url = try makeTemporaryFolder("tbd-framed")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testTheAstronautIsCutAroundHerFaceWithMasksOnEveryLevel() throws {
        let framed = try FramedReference(try FrameReader.readFrame(path: Self.astronaut), path: Self.astronaut, size: 64,
                                         masks: true, detector: FaceDetector())
        XCTAssertEqual([framed.reference.width, framed.reference.height], [64, 64])
        XCTAssertEqual(framed.crop.side, 183, "the 87x110 face box at 60% of the side")
        XCTAssertEqual(framed.crop.x + framed.crop.side / 2, 224, "centred on the face box (181...268): \(framed.crop)")
        let masks = try XCTUnwrap(framed.masks)
        XCTAssertEqual(masks.full.shape, [8, 8], "level 0 is the latent size of a 64-pixel frame")
        XCTAssertLessThan(masks.full.scalars.min()!, 0.5, "the background mask dips over the face")
        XCTAssertGreaterThan(masks.lip.scalars.max()!, 0.5, "the lips are marked")
        XCTAssertEqual([framed.picture.width, framed.picture.height], [64, 64])
    }

    func testAPictureWithoutAFaceIsRefusedNamingTheFileAndTheWayOut() throws {
        let flat = RGBImage(width: 96, height: 96, filledWith: (180, 140, 120))
        XCTAssertThrowsError(try FramedReference(flat, path: "/somewhere/portrait.png", size: 64, masks: true, detector: FaceDetector())) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("/somewhere/portrait.png") && text.contains("no face found") && text.contains("--crop none"), text)
        }
        let several = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../FaceAnalysisTests/Fixtures/images/several.png").standardized.path
        XCTAssertThrowsError(try FramedReference(try FrameReader.readFrame(path: several), path: several, size: 64, masks: true,
                                                 detector: FaceDetector())) { error in
            XCTAssertTrue("\(error)".contains("none dominant"), "\(error)")
        }
    }

    func testATalkingRenderWithFaceMasksDiffersFromOneWithout() throws {
        let folder = try temporaryFolder()
        let checkpoint = folder.appendingPathComponent("talking")
        try RandomTalkingCheckpoint.write(size: .tiny, seed: 3, to: checkpoint)
        let speech = folder.appendingPathComponent("speech.wav")
        try writeToneWAV(speech, seconds: 0.2)
        let framed = try FramedReference(try FrameReader.readFrame(path: Self.astronaut), path: Self.astronaut, size: 64,
                                         masks: true, detector: FaceDetector())
        let renderer = TalkingClipRenderer(model: try TalkingHeadModel(directory: checkpoint))
        var request = ClipRequest(prompts: ["a face", "lip corners pulled up, cheeks raised"])
        request.reference = framed.reference
        request.audioPath = speech.path
        (request.window, request.sampling.steps, request.seed) = (4, 2, 5)
        let results = try [nil, framed.masks].enumerated().map { index, masks -> Data in
            var masked = request
            masked.masks = masks
            let result = try ClipFiles(directory: folder, name: "clip\(index)")
                .render(try renderer.prepare(masked), with: renderer, identity: "test", progress: { _ in }, notice: { _ in })
            return try Data(contentsOf: URL(fileURLWithPath: result.firstFramePath))
        }
        XCTAssertNotEqual(results[0], results[1], "the masks weight the audio attention")
    }

    func testRenderJobWritesTheCropInItsManifestAndAFacePicture() throws {
        let folder = try temporaryFolder()
        let model = folder.appendingPathComponent("model")
        try RandomTalkingCheckpoint.write(size: .tiny, seed: 0, to: model)
        var settings = RenderSettings(modelPath: model.path, outputFolder: folder.appendingPathComponent("out").path)
        (settings.frames, settings.window, settings.steps, settings.reference, settings.audio) = (4, 4, 2, Self.astronaut, "none")
        let outcome = try XCTUnwrap(try RenderJob(source: .prompts(coarse: "a face", fine: "a smile"), settings: settings, store: nil).run().first)
        let manifest = try String(contentsOfFile: "\(settings.outputFolder)/\(outcome.name).json", encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"crop\" : \"face "), manifest)
        XCTAssertTrue(manifest.contains("\"masks\" : \"face\""), manifest)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(settings.outputFolder)/\(outcome.name)-face.png"))
        settings.crop = ReferenceCrop.none
        let plain = try XCTUnwrap(try RenderJob(source: .prompts(coarse: "a face", fine: "a smile"), settings: settings, store: nil).run().first)
        XCTAssertNotEqual(plain.name, outcome.name, "framing is part of what a clip was rendered from")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(settings.outputFolder)/\(plain.name)-face.png"))
    }

    func testAutoOnABatchUnitTakesTheStoredFrameAndFaceWithoutDetecting() throws {
        let folder = try temporaryFolder()
        let (store, storeFolder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: storeFolder) }
        let id = try store.addAnnotation(sampleAnnotation(1, sourcePath: Self.astronaut))
        try store.approve(id: id, curator: "ann")
        // A stored face far from the real one: a crop around it proves the store's face was used, not a detection.
        let landmarks = [[40.0, 340], [80, 340], [60, 360], [45, 390], [75, 390]]
        try store.recordReferenceFace(ReferenceFace(box: [20, 300, 107, 410], probability: 0.99, landmarks: landmarks, frameWidth: 512,
                                                    frameHeight: 512, frameIndex: 0, detector: "mtcnn facenet-pytorch 2.6.0"),
                                      contentHash: "hash1")
        let model = folder.appendingPathComponent("model")
        try RandomTalkingCheckpoint.write(size: .tiny, seed: 0, to: model)
        var settings = RenderSettings(modelPath: model.path, outputFolder: folder.appendingPathComponent("out").path)
        (settings.frames, settings.window, settings.steps, settings.audio) = (4, 4, 2, "none")
        let outcome = try XCTUnwrap(try RenderJob(source: .approved, settings: settings, store: store).run().first)
        let manifest = try String(contentsOfFile: "\(settings.outputFolder)/\(outcome.name).json", encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"crop\" : \"face 0 264 183\""), manifest)
        XCTAssertTrue(manifest.contains("\"reference_frame\" : 0"), manifest)
    }
}
