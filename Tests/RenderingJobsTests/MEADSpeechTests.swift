import RenderingJobs
import XCTest

/// A MEAD video's speech lives under the actor's audio folder, shared by every view.
final class MEADSpeechTests: XCTestCase {
    func testAVideoSpeaksItsActorsAudioFile() {
        XCTAssertEqual(MEADSpeech.audioPath(forClip: "/data/mead/M003/video/front/angry/level_1/001.mp4"),
                       "/data/mead/M003/audio/angry/level_1/001.m4a")
        XCTAssertEqual(MEADSpeech.audioPath(forClip: "/data/mead/M003/video/left_30/happy/level_3/017.mp4"),
                       "/data/mead/M003/audio/happy/level_3/017.m4a")
    }

    func testTheExtraFolderLevelOfW021IsSkipped() {
        XCTAssertEqual(MEADSpeech.audioPath(forClip: "/data/mead/W021/video/1/front/sad/level_2/005.mp4"),
                       "/data/mead/W021/audio/sad/level_2/005.m4a")
    }

    func testOtherLayoutsHaveNoMEADSpeech() {
        XCTAssertNil(MEADSpeech.audioPath(forClip: "/data/hdtf/RD_Radio1_000.mp4"))
        XCTAssertNil(MEADSpeech.audioPath(forClip: "/data/clips/front/angry/level_1/001.mp4"))
        XCTAssertNil(MEADSpeech.audioPath(forClip: "/data/mead/M003/video/front/angry/001.mp4"))
    }
}
