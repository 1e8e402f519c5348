import Foundation
import MediaIO
@_spi(Development) import Renderer
import Store
import Tensors
import TestSupport
@testable import TrainingData
import XCTest

/// `tbd train prepare`'s job on a MEAD-shaped tree made of real photographs: shards with the documented tensors,
/// clips without a face, speech or length skipped with their reasons, and a re-run that redoes nothing.
final class TrainingPrepareJobTests: XCTestCase {
    private var folder: URL!
    private var store: ProjectStore!

    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    private static let model: URL = {
        let url = try! makeTemporaryFolder("tbd-train-model").appendingPathComponent("talking")
        try! RandomTalkingCheckpoint.write(size: .tiny, seed: 2, to: url)
        return url
    }()

    override func setUpWithError() throws {
        (store, folder) = try makeTemporaryStore()
    }

    override func tearDownWithError() throws {
        store = nil
        try? FileManager.default.removeItem(at: folder)
    }

    /// ACTOR/video/front/EMOTION/level_1/TAKE.mp4 from a still picture (ffmpeg's tool, `seconds` long at 30 fps),
    /// with ACTOR/audio/EMOTION/level_1/TAKE.m4a beside it when `speech`.
    private func meadClip(actor: String, take: String, picture: String, seconds: Double, speech: Bool = true) throws -> String {
        let video = folder.appendingPathComponent("mead/\(actor)/video/front/happy/level_1/\(take).mp4")
        try FileManager.default.createDirectory(at: video.deletingLastPathComponent(), withIntermediateDirectories: true)
        try run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-loop", "1", "-i", picture, "-t", "\(seconds)", "-r", "30",
                                    "-vf", "scale=128:128", "-c:v", "libx264", "-pix_fmt", "yuv420p", video.path])
        if speech {
            let audio = folder.appendingPathComponent("mead/\(actor)/audio/happy/level_1/\(take).m4a")
            try FileManager.default.createDirectory(at: audio.deletingLastPathComponent(), withIntermediateDirectories: true)
            let wav = folder.appendingPathComponent("\(actor)-\(take).wav")
            try writeToneWAV(wav, seconds: seconds)
            try run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", wav.path, "-c:a", "aac", audio.path])
        }
        return video.path
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(tool) \(arguments)")
    }

    private func approve(_ clips: [String], index: Int) throws {
        let id = try store.addAnnotation(sampleAnnotation(index, sourcePath: clips[0]))
        for clip in clips { try store.addClipLink(ClipLink(annotationID: id, clipPath: clip, actorID: "M003", emotion: "happy", level: 1)) }
        try store.approve(id: id, curator: "ann")
    }

    private func settings() -> TrainingPrepareSettings {
        var settings = TrainingPrepareSettings(outputFolder: folder.appendingPathComponent("prepared").path, modelPath: Self.model.path)
        settings.size = 64
        return settings
    }

    func testShardsHoldTheDocumentedTensorsAndSkippedClipsTheirReasons() throws {
        let astronaut = Self.repository.appendingPathComponent("data/astronaut.png").path
        let noFace = Self.repository.appendingPathComponent("Tests/FaceAnalysisTests/Fixtures/images/no-face.png").path
        let face = try meadClip(actor: "M003", take: "001", picture: astronaut, seconds: 1)
        let silent = try meadClip(actor: "M003", take: "002", picture: astronaut, seconds: 1, speech: false)
        let empty = try meadClip(actor: "M003", take: "003", picture: noFace, seconds: 1)
        let short = try meadClip(actor: "W009", take: "004", picture: astronaut, seconds: 0.3)
        try approve([face, silent, empty], index: 1)
        try approve([short], index: 2)

        let index = try TrainingPrepareJob(settings: settings(), store: store).run()
        XCTAssertEqual(index.clips.map(\.clipPath), [face])
        let reasons = Dictionary(uniqueKeysWithValues: index.skipped.map { ($0.clipPath, $0.reason) })
        XCTAssertTrue(reasons[silent]?.hasPrefix("no speech") ?? false, "\(reasons)")
        XCTAssertTrue(reasons[empty]?.contains("no face found") ?? false, "\(reasons)")
        XCTAssertTrue(reasons[short]?.hasPrefix("too short") ?? false, "\(reasons)")
        XCTAssertEqual(index.testActors, ["W009"], "a fifth of two actors, rounded up, chosen by the hash of their names")
        XCTAssertEqual(index.clips.first?.split, "train")

        let clip = try XCTUnwrap(index.clips.first)
        XCTAssertEqual(clip.frames, 25, "1 s at 25 fps")
        let shard = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: settings().outputFolder).appendingPathComponent(clip.file))
        XCTAssertEqual(shard.entries["frames"]?.dtype, .u8)
        XCTAssertEqual(try shard.shape(of: "frames"), [25, 64, 64, 3])
        XCTAssertEqual(try shard.shape(of: "audio_features").first, 25, "features aligned to the frames")
        XCTAssertEqual(try shard.shape(of: "mask.lip.0"), [8, 8])
        XCTAssertEqual(try shard.shape(of: "mask.full.3"), [1, 1])
        let coarse = try shard.tensor(named: "text.coarse"), fine = try shard.tensor(named: "text.fine")
        XCTAssertEqual(coarse.shape, fine.shape)
        XCTAssertNotEqual(coarse, fine, "two prompts, two embeddings")
        XCTAssertEqual(shard.metadata["emotion"], "happy")
        XCTAssertEqual(shard.metadata["coarse_prompt"], "a happy face number 1")
    }

    func testARerunRedoesNothingAndAnInterruptedRunKeepsItsShards() throws {
        let astronaut = Self.repository.appendingPathComponent("data/astronaut.png").path
        let first = try meadClip(actor: "M003", take: "001", picture: astronaut, seconds: 0.8)
        let second = try meadClip(actor: "M003", take: "002", picture: astronaut, seconds: 0.8)
        try approve([first], index: 1)
        try approve([second], index: 2)
        var prepared = 0
        XCTAssertThrowsError(try TrainingPrepareJob(settings: settings(), store: store).run(shouldStop: { prepared == 1 }) { event in
            if case .prepared = event { prepared += 1 }
        }) { XCTAssertTrue("\($0)".contains("interrupted"), "\($0)") }
        let kept = try TrainingPrepareJob(settings: settings(), store: store)
        var events: [String] = []
        let index = try kept.run { event in
            switch event {
            case .prepared(_, _, let clip): events.append("prepared \(clip.clipPath)")
            case .alreadyPrepared(let path): events.append("kept \(path)")
            case .skipped(let skipped): events.append("skipped \(skipped.reason)")
            }
        }
        XCTAssertEqual(events, ["kept \(first)", "prepared \(second)"])
        XCTAssertEqual(index.clips.count, 2)
        var again: [String] = []
        _ = try kept.run { if case .alreadyPrepared(let path) = $0 { again.append(path) } }
        XCTAssertEqual(again, [first, second])
    }

    func testTheBatchsStoredFaceFramesItsOwnClipWithoutDetecting() throws {
        let astronaut = Self.repository.appendingPathComponent("data/astronaut.png").path
        let clip = try meadClip(actor: "M003", take: "001", picture: astronaut, seconds: 0.8)
        try approve([clip], index: 1)
        // Far from the real face (about 45...67 across): the crop follows the stored face, so nothing was detected.
        try store.recordReferenceFace(ReferenceFace(box: [5, 70, 27, 98], probability: 0.99,
                                                    landmarks: [[10, 80], [20, 80], [15, 85], [10, 92], [20, 92]],
                                                    frameWidth: 128, frameHeight: 128, frameIndex: 3, detector: "mtcnn facenet-pytorch 2.6.0"),
                                      contentHash: "hash1")
        let index = try TrainingPrepareJob(settings: settings(), store: store).run()
        let file = try XCTUnwrap(index.clips.first?.file)
        let shard = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: settings().outputFolder).appendingPathComponent(file))
        XCTAssertEqual(shard.metadata["crop"], "0 61 47", "the square around the stored box, moved inside the frame")
    }

    func testTheSplitHoldsOutAFifthOfTheActorsAndNeverSplitsOne() {
        let actors = Set((1...10).map { String(format: "M%03d", $0) })
        let held = ActorSplit.testActors(actors)
        XCTAssertEqual(held.count, 2)
        XCTAssertEqual(held, ActorSplit.testActors(actors), "the same actors every time")
        XCTAssertTrue(Set(held).isSubset(of: actors))
        XCTAssertEqual(ActorSplit.testActors(["M003"]), [], "one actor trains")
        XCTAssertEqual(ActorSplit.testActors(Set((1...11).map { String(format: "W%03d", $0) })).count, 3, "2.2 rounds up")
    }

    func testAnUnreadableIndexIsNamedNotOverwritten() throws {
        let output = URL(fileURLWithPath: settings().outputFolder)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("{ not json".utf8).write(to: output.appendingPathComponent("index.json"))
        XCTAssertThrowsError(try TrainingPrepareJob(settings: settings(), store: store).run()) { XCTAssertTrue("\($0)".contains("index.json cannot be read"), "\($0)") }
        XCTAssertEqual(try String(contentsOf: output.appendingPathComponent("index.json"), encoding: .utf8), "{ not json")
    }

    func testSettingsOutsideTheirRangesAreRefused() {
        var bad = settings()
        bad.size = 100
        XCTAssertThrowsError(try TrainingPrepareJob(settings: bad, store: store)) { XCTAssertTrue("\($0)".contains("multiple of 64"), "\($0)") }
        bad = settings()
        bad.fps = 0
        XCTAssertThrowsError(try TrainingPrepareJob(settings: bad, store: store))
    }
}
