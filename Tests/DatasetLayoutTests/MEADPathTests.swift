import DatasetLayout
import XCTest

final class MEADPathTests: XCTestCase {
    func testAVideoPathIsReadAndWrittenBackTheSame() throws {
        let path = "/data/mead/M003/video/left_30/happy/level_3/017.mp4"
        let place = try MEADPath(parsing: path)
        XCTAssertEqual(place, MEADPath(root: "/data/mead", actor: "M003", medium: .video(view: "left_30"), emotion: "happy", level: 3, take: "017"))
        XCTAssertEqual(place.view, "left_30")
        XCTAssertEqual(place.path, path)
    }

    func testARelativePathStartsAtTheActor() throws {
        let place = try MEADPath(parsing: "W009/audio/sad/level_1/002.m4a")
        XCTAssertEqual(place.root, "")
        XCTAssertEqual(place.medium, .audio)
        XCTAssertNil(place.view)
        XCTAssertEqual(place.path, "W009/audio/sad/level_1/002.m4a")
    }

    func testEveryViewOfATakeSpeaksOneRecording() throws {
        let front = try MEADPath(parsing: "/data/mead/M003/video/front/angry/level_1/001.mp4")
        let top = try MEADPath(parsing: "/data/mead/M003/video/top/angry/level_1/001.mp4")
        XCTAssertEqual(front.speech.path, "/data/mead/M003/audio/angry/level_1/001.m4a")
        XCTAssertEqual(top.speech, front.speech)
    }

    func testQuirksAreReadAndWrittenInMEADsSpelling() throws {
        let extraFolder = try MEADPath(parsing: "/data/mead/W021/video/1/front/sad/level_2/005.mp4")
        XCTAssertEqual(extraFolder.speech.path, "/data/mead/W021/audio/sad/level_2/005.m4a")
        let upper = try MEADPath(parsing: "w009/VIDEO/FRONT/Surprised/LEVEL_2/003.MP4")
        XCTAssertEqual(upper.path, "W009/video/front/surprised/level_2/003.mp4")
        let atTheTop = try MEADPath(parsing: "/M003/video/down/fear/level_1/004.mp4")
        XCTAssertEqual(atTheTop.speech.path, "/M003/audio/fear/level_1/004.m4a")
    }

    func testFlattenedNamesCarryTheirLabelsButNoTree() throws {
        let named = try MEADPath(parsing: "flat/W015#top#contempt#level_1#001.mp4")
        XCTAssertEqual(named, MEADPath(root: nil, actor: "W015", medium: .video(view: "top"), emotion: "contempt", level: 1, take: "001"))
        XCTAssertNil(named.path, "a flattened name says nothing of where its speech is")
        XCTAssertEqual(try MEADPath(parsing: "left_60/M012#fear#level_3#004.mp4").view, "left_60", "the folder names the view")
        XCTAssertEqual(try MEADPath(parsing: "flat/M012#fear#level_3#004.mp4").view, "front")
    }

    func testEachPathThatIsNotMEADsSaysWhy() {
        let cases: [(String, MEADPathProblem)] = [
            ("README.mp4", .notUnderAnActor),
            ("/data/hdtf/RD_Radio1_000.mp4", .notUnderAnActor),
            ("M003/001.mp4", .directlyInTheActorFolder(actor: "M003")),
            ("M003/clips/front/angry/level_1/001.mp4", .notUnderVideoOrAudio(actor: "M003")),
            ("M003/video/front/angry/001.mp4", .unexpectedDepth(under: "M003/video/")),
            ("M003/audio/front/angry/level_1/001.m4a", .unexpectedDepth(under: "M003/audio/")),
            ("M003/video/sideways/angry/level_1/001.mp4", .unknownView("sideways")),
            ("M003/video/front/bored/level_1/001.mp4", .unknownEmotion("bored")),
            ("M003/video/front/angry/level_9/001.mp4", .unknownLevel("level_9")),
            ("flat/X003#fear#level_3#004.mp4", .flattenedNameWithoutActor),
            ("flat/garbage#name.mp4", .flattenedNameNotUnderstood),
            ("", .empty),
        ]
        for (path, expected) in cases {
            XCTAssertThrowsError(try MEADPath(parsing: path), path) { XCTAssertEqual($0 as? MEADPathProblem, expected, path) }
        }
        XCTAssertEqual(MEADPathProblem.unexpectedDepth(under: "M003/video/").description, "unexpected folder depth under M003/video/")
    }

    func testNamesAreNormalisedOrRefused() {
        XCTAssertEqual(MEADPath.actorID("w009"), "W009")
        XCTAssertNil(MEADPath.actorID("M0031"))
        XCTAssertNil(MEADPath.actorID("M٠٠٣"), "Arabic-Indic digits are not an actor id")
        XCTAssertEqual(["LEVEL_2", "level_2", "level2", "level-3"].map(MEADPath.level), [2, 2, 2, 3])
        XCTAssertNil(MEADPath.level("level_0"))
        XCTAssertNil(MEADPath.level("2"))
        XCTAssertEqual(MEADPath.levelFolder(3), "level_3")
    }

    /// A portrait kept outside the tree still names its actor and view in a folder.
    func testActorAndViewAnywhereInAPath() {
        XCTAssertEqual(MEADPath.actorID(in: "/photos/M003/session/W011/face.png"), "W011", "the innermost folder")
        XCTAssertEqual(MEADPath.view(in: "/photos/M003/left_30/face.png"), "left_30")
        XCTAssertNil(MEADPath.actorID(in: "/photos/face.png"))
        XCTAssertNil(MEADPath.view(in: "/photos/face.png"))
    }
}
