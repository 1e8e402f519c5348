import Foundation
import Renderer
@testable import RenderingJobs
import TestSupport
import XCTest

/// `--audio auto` on a silent MEAD video takes its take's speech from the actor's audio folder, shared by every view.
final class RenderJobSpeechTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws { root = try makeTemporaryFolder("tbd-render-speech") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// A picture stands in for the silent clip: what matters is that it has no audio track of its own.
    private func silentSource(_ relative: String) throws -> PromptPair {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try TestImages.tinyJPEG.write(to: url)
        return PromptPair(annotationID: 1, revision: 1, coarsePrompt: "c", finePrompt: "f", sourcePath: url.path)
    }

    private func speech(_ relative: String) throws -> String {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data().write(to: url)
        return url.path
    }

    func testAVideoSpeaksItsActorsAudioFile() throws {
        let angry = try speech("M003/audio/angry/level_1/001.m4a")
        let happy = try speech("M003/audio/happy/level_3/017.m4a")
        XCTAssertEqual(try RenderJob.resolveAudio("auto", for: silentSource("M003/video/front/angry/level_1/001.jpg")), angry)
        XCTAssertEqual(try RenderJob.resolveAudio("auto", for: silentSource("M003/video/left_30/happy/level_3/017.jpg")), happy)
    }

    func testTheExtraFolderLevelOfW021IsSkipped() throws {
        let sad = try speech("W021/audio/sad/level_2/005.m4a")
        XCTAssertEqual(try RenderJob.resolveAudio("auto", for: silentSource("W021/video/1/front/sad/level_2/005.jpg")), sad)
    }

    func testOtherLayoutsAndMissingSpeechHaveNone() throws {
        _ = try speech("clips/audio/angry/level_1/001.m4a")
        XCTAssertNil(try RenderJob.resolveAudio("auto", for: silentSource("hdtf/RD_Radio1_000.jpg")))
        XCTAssertNil(try RenderJob.resolveAudio("auto", for: silentSource("clips/video/front/angry/level_1/001.jpg")), "no actor folder")
        XCTAssertNil(try RenderJob.resolveAudio("auto", for: silentSource("M003/video/front/angry/001.jpg")), "no level folder")
        XCTAssertNil(try RenderJob.resolveAudio("auto", for: silentSource("M005/video/front/fear/level_2/003.jpg")), "no speech file")
    }
}
