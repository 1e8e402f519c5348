import AnnotationRecord
import Foundation
import MediaIO
@_spi(Development) import Renderer
@testable import RenderingJobs
import Store
import TestSupport
import XCTest

final class RenderJobTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-render-job") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testSettingsOutsideTheirRangesAreRefusedByName() {
        var settings = RenderSettings(modelPath: "/m", outputFolder: "/o")
        XCTAssertNoThrow(try settings.validate())
        settings.split = 1
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("--split")) }
        settings.split = 0.4
        settings.size = 100
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("--size")) }
        settings.size = nil
        settings.guidanceScale = .nan
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("--cfg")) }
    }

    func testStorePairsNeedAStore() {
        XCTAssertThrowsError(try RenderJob(source: .approved, settings: RenderSettings(modelPath: "/m", outputFolder: "/o"), store: nil))
    }

    func testApprovedPairsComeFromTheStoreAtTheirCurrentRevision() throws {
        let (store, storeFolder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: storeFolder) }
        let ids = try store.addAnnotations([sampleAnnotation(0), sampleAnnotation(1, emotion: "sad"), sampleAnnotation(2)])
        try store.approve(id: ids[0], curator: "ann")
        try store.edit(id: ids[2], curator: "ann", fine: "edited fine prompt", approve: true)
        var settings = RenderSettings(modelPath: "/m", outputFolder: folder.path)
        let pairs = try RenderJob(source: .approved, settings: settings, store: store).pairs()
        XCTAssertEqual(pairs.map(\.annotationID), [ids[0], ids[2]])
        XCTAssertEqual(pairs.last?.revision, 2)
        XCTAssertEqual(pairs.last?.finePrompt, "edited fine prompt")
        settings.limit = 1
        XCTAssertEqual(try RenderJob(source: .approved, settings: settings, store: store).pairs().count, 1)
        XCTAssertThrowsError(try RenderJob(source: .annotation(99), settings: settings, store: store).pairs()) {
            XCTAssertTrue("\($0)".contains("99"))
        }
    }

    func testAutoReferenceOfAUnitFolderIsItsFirstMediaFile() throws {
        let unit = folder.appendingPathComponent("unit")
        try FileManager.default.createDirectory(at: unit, withIntermediateDirectories: true)
        for name in ["notes.txt", "002.mp4", "001.MP4"] { try Data().write(to: unit.appendingPathComponent(name)) }
        let pair = PromptPair(annotationID: 1, revision: 1, coarsePrompt: "c", finePrompt: "f", sourcePath: unit.path)
        XCTAssertEqual(try RenderJob.resolve("auto", for: pair, what: "reference"), unit.appendingPathComponent("001.MP4").path)
        XCTAssertNil(try RenderJob.resolve(nil, for: pair, what: "reference"))
        XCTAssertThrowsError(try RenderJob.resolve("/no/such/file.png", for: pair, what: "reference")) {
            XCTAssertTrue("\($0)".contains("/no/such/file.png"))
        }
    }

    /// `--reference auto` (and audio) on a source that is gone, or a folder with no picture, is an error naming
    /// it: a render without the reference that was asked for would look like a success.
    func testAutoOnAMissingSourceIsAnErrorNamingTheFile() throws {
        let gone = folder.appendingPathComponent("moved-away/001.mp4").path
        let pair = PromptPair(annotationID: 7, revision: 1, coarsePrompt: "c", finePrompt: "f", sourcePath: gone)
        for what in ["reference", "audio"] {
            XCTAssertThrowsError(try RenderJob.resolve("auto", for: pair, what: what)) {
                XCTAssertTrue("\($0)".contains(gone), "\($0)")
            }
        }
        XCTAssertThrowsError(try RenderJob.resolveAudio("auto", for: pair)) { XCTAssertTrue("\($0)".contains(gone), "\($0)") }
        let empty = folder.appendingPathComponent("empty-unit")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let emptyPair = PromptPair(annotationID: 8, revision: 1, coarsePrompt: "c", finePrompt: "f", sourcePath: empty.path)
        XCTAssertThrowsError(try RenderJob.resolve("auto", for: emptyPair, what: "reference")) {
            XCTAssertTrue("\($0)".contains("holds no video or image"), "\($0)")
        }
        let noSource = PromptPair(annotationID: 0, revision: 1, coarsePrompt: "c", finePrompt: "f")
        XCTAssertThrowsError(try RenderJob.resolve("auto", for: noSource, what: "reference")) {
            XCTAssertTrue("\($0)".contains("give a file instead"), "\($0)")
        }
    }

    /// `--audio auto` is the source's audio when it has any: a still picture (or a silent clip) gives a clip
    /// without sound, not an abort; an audio file is taken as it is.
    func testAutoAudioOfASourceWithoutAudioIsNone() throws {
        let picture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../data/astronaut.png").standardized.path
        guard FileManager.default.fileExists(atPath: picture) else { throw XCTSkip("data/astronaut.png is not in this checkout") }
        let pair = PromptPair(annotationID: 1, revision: 1, coarsePrompt: "c", finePrompt: "f", sourcePath: picture)
        XCTAssertNil(try RenderJob.resolveAudio("auto", for: pair))
        XCTAssertEqual(try RenderJob.resolve("auto", for: pair, what: "reference"), picture, "the picture is still the reference")
        let speech = folder.appendingPathComponent("speech.wav")
        try Data().write(to: speech)
        let audioPair = PromptPair(annotationID: 2, revision: 1, coarsePrompt: "c", finePrompt: "f", sourcePath: speech.path)
        XCTAssertEqual(try RenderJob.resolveAudio("auto", for: audioPair), speech.path)
        XCTAssertNil(try RenderJob.resolveAudio(nil, for: pair))
    }

    /// Output files are named by a hash of every setting: another reference, strength, step count or model is a
    /// new file, not a replacement of an earlier clip; the same settings give the same name (so a re-run skips).
    func testOutputNamesDependOnEverySetting() throws {
        let pair = PromptPair(annotationID: 3, revision: 2, coarsePrompt: "c", finePrompt: "f")
        func manifest(steps: Int = 40, strength: Float = 0.6, reference: String? = nil, model: String = "/m") throws -> String {
            try ProjectJSON.string(RenderManifest(
                annotationId: 3, revision: 2, coarsePrompt: "c", finePrompt: "f", model: model, steps: steps, split: 0.4, blend: "paper",
                alphaMax: 1, alphaMin: 0.5, sampler: "ddim", cfg: 3.5, seed: 0, noise: nil, frames: 16, fps: 25, size: 512,
                reference: reference, strength: strength, audio: nil))
        }
        let base = RenderJob.outputName(pair: pair, parametersJSON: try manifest())
        XCTAssertTrue(base.hasPrefix("a3-r2-"), base)
        XCTAssertEqual(base, RenderJob.outputName(pair: pair, parametersJSON: try manifest()))
        let others = try [manifest(steps: 20), manifest(strength: 0.8), manifest(reference: "/r.png"), manifest(model: "/other")]
            .map { RenderJob.outputName(pair: pair, parametersJSON: $0) }
        XCTAssertEqual(Set(others + [base]).count, 5, "\(others)")
    }

    /// The stopped talking-head render's windows came from one checkpoint; the same path then holds another. The
    /// re-run must render every window from the new one, under another name, and leave the stopped windows alone.
    func testAModelReplacedAtTheSamePathIsNeverMixedWithAStoppedRender() throws {
        let model = folder.appendingPathComponent("model")
        try RandomTalkingCheckpoint.write(size: .tiny, seed: 0, to: model)
        let portrait = folder.appendingPathComponent("portrait.png")
        try ImageEncoding.png(RGBImage(width: 64, height: 64, filledWith: (180, 120, 90))).write(to: portrait)
        var settings = RenderSettings(modelPath: model.path, outputFolder: folder.appendingPathComponent("out").path)
        (settings.frames, settings.window, settings.motionFrames, settings.steps, settings.seed) = (10, 4, 2, 2, 4)
        (settings.reference, settings.audio, settings.crop) = (portrait.path, "none", ReferenceCrop.none)
        let source = PairSource.prompts(coarse: "a face", fine: "lip corners pulled up")
        var reachedSecondFrame = false
        XCTAssertThrowsError(try RenderJob(source: source, settings: settings, store: nil).run(shouldStop: { reachedSecondFrame }) { event in
            if case .progress(let progress) = event, progress.frame == 1 { reachedSecondFrame = true }
        }) { error in
            guard case RenderJobError.interrupted = error else { return XCTFail("\(error)") }
        }
        let stopped = try FileManager.default.contentsOfDirectory(atPath: settings.outputFolder).filter { $0.hasSuffix(".windows") }
        XCTAssertEqual(stopped.count, 1)

        try FileManager.default.removeItem(at: model)
        try RandomTalkingCheckpoint.write(size: .tiny, seed: 1, to: model)
        var sampled = Set<Int>()
        let outcome = try XCTUnwrap(try RenderJob(source: source, settings: settings, store: nil).run { event in
            if case .progress(let progress) = event { sampled.insert(progress.frame) }
        }.first)
        XCTAssertEqual(sampled, [0, 1, 2], "nothing is resumed from the other checkpoint's windows")
        XCTAssertNotEqual(outcome.name + ".windows", stopped[0])
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(settings.outputFolder)/\(stopped[0])"), "the stopped render's windows are not deleted")

        var fresh = settings
        fresh.outputFolder = folder.appendingPathComponent("fresh").path
        let expected = try XCTUnwrap(try RenderJob(source: source, settings: fresh, store: nil).run().first)
        // The stills are lossless: the sheet shows frames 1-8 of the 10, the first frame is the first window's.
        for still in [\ClipResult.firstFramePath, \ClipResult.contactSheetPath] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: outcome.result[keyPath: still])),
                           try Data(contentsOf: URL(fileURLWithPath: expected.result[keyPath: still])), "\(still)")
        }
        XCTAssertEqual(outcome.result.frames, expected.result.frames)
    }
}
