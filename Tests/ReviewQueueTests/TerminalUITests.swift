import FACSKnowledge
import MediaIO
import Foundation
@testable import ReviewQueue
import SafeText
import Store
import AnnotationRecord
import TestSupport
import XCTest

/// The real `tbd review` in a real terminal (tmux at 80x24), driven by keys, checked on screen and in the database.
final class TerminalUITests: XCTestCase {
    var folder: URL!
    var databasePath: String!
    var store: ProjectStore!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
        databasePath = folder.appendingPathComponent("ui.sqlite").path
        store = try ProjectStore(path: databasePath)
    }

    override func tearDownWithError() throws {
        store = nil
        try? FileManager.default.removeItem(at: folder)
    }

    func startReview(width: Int = 80, height: Int = 24, editorScript: String? = nil, extra: [String: String] = [:]) throws -> TmuxSession {
        let tbd = try BuiltProgram.url("tbd")
        var environment = ["TBD_CURATOR": "ann", "LANG": "C.UTF-8", "TERM": "tmux-256color"].merging(extra) { $1 }
        if let editorScript {
            let script = folder.appendingPathComponent("editor.sh")
            try Data(("#!/bin/sh\n" + editorScript + "\n").utf8).write(to: script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
            environment["EDITOR"] = script.path
        }
        return try TmuxSession(width: width, height: height, command: "\(tbd.path) review --db \(databasePath!)", environment: environment)
    }

    func testApproveRejectWithReasonAndUndo() throws {
        _ = try store.addAnnotations((0..<3).map { sampleAnnotation($0) })
        let tmux = try startReview()
        let screen = try tmux.waitFor("#1  PENDING")
        XCTAssertTrue(screen.contains("claimed by you"), screen)
        XCTAssertTrue(screen.contains("6C Cheek raiser"), screen)
        XCTAssertTrue(screen.contains("pending 3 · approved 0 · rejected 0"), screen)
        try tmux.type("a")
        try tmux.waitFor("approved #1")
        try tmux.waitFor("#2  PENDING")
        try tmux.type("r")
        try tmux.waitFor("why?")
        try tmux.type("3")
        try tmux.waitFor("wrong_intensity note (Enter saves")
        try tmux.type("lips too tense")
        try tmux.press("Enter")
        let after = try tmux.waitFor("rejected #2")
        XCTAssertTrue(after.contains("pending 1 · approved 1 · rejected 1"), after)
        XCTAssertEqual(try store.show(id: 1).status, .approved)
        let rejection = try XCTUnwrap(try store.show(id: 2).decisions.last)
        XCTAssertEqual(rejection.reason, .wrongIntensity)
        XCTAssertEqual(rejection.note, "lips too tense")
        XCTAssertEqual(rejection.curator, "ann")

        try tmux.type("u")
        try tmux.waitFor("undid the decision on #2: rejected -> pending")
        XCTAssertEqual(try store.show(id: 2).status, .pending)
        try tmux.type("q")
        try tmux.waitUntil("the screen to close") { !$0.contains("tbd review") }
        XCTAssertEqual(try store.activeClaims(), [], "quitting gives the claimed item back")
    }

    func testEditThroughEditorThenFilter() throws {
        _ = try store.addAnnotation(sampleAnnotation(0))
        _ = try store.addAnnotation(sampleAnnotation(1, emotion: "sad", actor: "W009"))
        let tmux = try startReview(editorScript: "sed -i 's/^cheeks raised.*$/EDITED BY THE SCRIPT/; s/^6C 12C$/6C 12C 25/' \"$1\"")
        try tmux.waitFor("#1  PENDING")
        try tmux.type("e")
        let edited = try tmux.waitFor("saved revision 2 of #1")
        XCTAssertTrue(edited.contains("EDITED BY THE SCRIPT"), edited)
        XCTAssertTrue(edited.contains("25 Lips part"), edited)
        let detail = try store.show(id: 1)
        XCTAssertEqual(detail.current.finePrompt, "EDITED BY THE SCRIPT")
        XCTAssertEqual(detail.current.aus, ["6C", "12C", "25"])
        XCTAssertEqual(detail.revisions.count, 2)
        try tmux.type("a")
        try tmux.waitFor("approved #1")
        XCTAssertEqual(try store.show(id: 1).current.number, 2)

        try tmux.type("/")
        let screen = try tmux.waitFor("new filter (")
        let prompt = screen.split(separator: "\n").first { $0.contains("new filter (") }.map(String.init) ?? ""
        XCTAssertTrue(prompt.hasSuffix("▏") && !prompt.contains("status="), "the prompt opens empty: \(prompt)")
        try tmux.type("status=any actor=W009")
        try tmux.press("Enter")
        let filtered = try tmux.waitFor("filter: status=any actor=W009")
        XCTAssertTrue(filtered.contains("W009 · sad"), filtered)
        try tmux.type("/")
        try tmux.press("C-u")
        try tmux.type("colour=red")
        try tmux.press("Enter")
        try tmux.waitFor("unknown filter key 'colour'")
        try tmux.type("?")
        try tmux.waitFor("undo your last decision")
        try tmux.type("x")
        try tmux.waitFor("a approve  r reject")
    }

    /// The real editors a curator uses, typed into through the terminal: each must get the keyboard.
    func testEditInViSavesARevision() throws {
        let vi = try XCTUnwrap(["/usr/bin/vim.tiny", "/usr/bin/vi"].first { FileManager.default.isExecutableFile(atPath: $0) }, "vim-tiny is installed by make deps")
        _ = try store.addAnnotation(sampleAnnotation(0))
        let tmux = try startReview(extra: ["EDITOR": vi])
        try tmux.waitFor("#1  PENDING")
        try tmux.type("e")
        try tmux.waitFor("[fine]")
        try tmux.press("Escape")
        try tmux.type("/^\\[fine\\]")
        try tmux.press("Enter")
        try tmux.type("jcc")
        try tmux.type("lips pressed, typed in vi")
        try tmux.press("Escape")
        try tmux.type(":wq")
        try tmux.press("Enter")
        try tmux.waitFor("saved revision 2 of #1")
        XCTAssertEqual(try store.show(id: 1).current.finePrompt, "lips pressed, typed in vi")
    }

    func testEditInNanoSavesARevision() throws {
        let nano = "/usr/bin/nano"
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: nano), "nano is installed by make deps")
        _ = try store.addAnnotation(sampleAnnotation(0))
        let tmux = try startReview(extra: ["EDITOR": nano + " --ignorercfiles"])
        try tmux.waitFor("#1  PENDING")
        try tmux.type("e")
        try tmux.waitFor("[fine]")
        try tmux.press("C-w")
        try tmux.waitFor("Search")
        // The fine prompt's own line (the header comment names "[fine]" too).
        try tmux.type("cheeks raised and lip corners")
        try tmux.press("Enter")
        try tmux.press("C-k")
        try tmux.type("brows lowered, typed in nano")
        try tmux.press("Enter")
        try tmux.waitFor("brows lowered, typed in nano")
        try tmux.press("C-o")
        try tmux.waitFor("File Name to Write")
        try tmux.press("Enter")
        try tmux.waitFor("Wrote")
        try tmux.press("C-x")
        try tmux.waitFor("saved revision 2 of #1")
        XCTAssertEqual(try store.show(id: 1).current.finePrompt, "brows lowered, typed in nano")
    }

    /// A broken editor command shows what the editor (here the shell) said, and nothing is saved.
    func testAnEditorThatFailsShowsItsOwnError() throws {
        _ = try store.addAnnotation(sampleAnnotation(0))
        let tmux = try startReview(width: 160, extra: ["EDITOR": "no-such-editor-tbd"])
        try tmux.waitFor("#1  PENDING")
        try tmux.type("e")
        let screen = try tmux.waitFor("nothing saved")
        XCTAssertTrue(screen.contains("exited with status 127: tbd-editor: 1: no-such"), screen)
        XCTAssertEqual(try store.show(id: 1).revisions.count, 1)
    }

    func testInjectedEscapeSequencesShowInert() throws {
        var annotation = sampleAnnotation(0)
        annotation.finePrompt = "smile\u{1B}]0;PWNED\u{07} \u{1B}]52;c;aGFja2Vk\u{07} \u{1B}[2J\u{1B}[1;1HGOTCHA \u{9B}5A end"
        annotation.stages[0].text = "stage\u{1B}P+q\u{1B}\\ text"
        _ = try store.addAnnotation(annotation)
        let tmux = try startReview()
        let screen = try tmux.waitFor("#1  PENDING")
        XCTAssertTrue(screen.contains("smile␛]0;PWNED␇"), screen)
        XCTAssertTrue(screen.contains("␛]52;c;aGFja2Vk␇"), screen)
        XCTAssertTrue(screen.contains("␛[2J␛[1;1HGOTCHA ␛[5A end"), screen)
        XCTAssertTrue(screen.contains("tbd review  #1"), "the clear-screen did not run: the title row is still there")
        let title = try tmux.tmux(["display-message", "-p", "-t", tmux.name, "#{pane_title}"])
        XCTAssertFalse(title.contains("PWNED"), title)
        XCTAssertEqual(try tmux.tmux(["list-buffers"]), "", "nothing reached the clipboard")
    }

    func testResizeRedrawsToTheNewSize() throws {
        _ = try store.addAnnotation(sampleAnnotation(0))
        let tmux = try startReview()
        try tmux.waitFor("#1  PENDING")
        try tmux.resize(width: 100, height: 30)
        var screen = try tmux.waitUntil("the status line on row 30") { screen in
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return rows.count >= 30 && rows[29].contains("pending 1")
        }
        XCTAssertTrue(screen.split(separator: "\n")[0].contains("curator ann"), screen)
        // Below 80x24 the queue says so rather than drawing a layout with no room for the prompts.
        try tmux.resize(width: 79, height: 24)
        try tmux.waitFor("terminal too small: 79x24, needs 80x24")
        try tmux.resize(width: 80, height: 23)
        try tmux.waitFor("terminal too small: 80x23, needs 80x24")
        try tmux.resize(width: 80, height: 24)
        screen = try tmux.waitUntil("the status line on row 24") { screen in
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return rows.count >= 24 && rows[23].contains("pending 1")
        }
        for row in screen.split(separator: "\n") { XCTAssertLessThanOrEqual(TerminalText.columns(String(row)), 80) }
    }

    func testReferenceFrameIsDrawnWithHalfBlocks() throws {
        let png = folder.appendingPathComponent("frame.png").path
        var gradient = [UInt8]()
        for y in 0..<64 { for x in 0..<64 { gradient += [UInt8(x * 4), UInt8(y * 4), 128] } }
        try ImageEncoding.png(RGBImage(width: 64, height: 64, pixels: gradient)).write(to: URL(fileURLWithPath: png))
        _ = try store.addAnnotation(sampleAnnotation(0, sourcePath: png))
        let tmux = try startReview(extra: ["COLORTERM": "truecolor"])
        let screen = try tmux.waitUntil("the picture") { $0.components(separatedBy: "▀").count > 16 * 8 }
        let pictureRows = screen.split(separator: "\n").filter { $0.hasSuffix(String(repeating: "▀", count: 16)) }
        XCTAssertEqual(pictureRows.count, 8, screen)
        let colored = try tmux.tmux(["capture-pane", "-p", "-e", "-t", tmux.name])
        XCTAssertTrue(colored.contains("38;2;"), "truecolor foreground for the upper pixel")
    }

    /// An item whose reference has a stored face shows the face crop (here a red square on blue), `f` the whole frame.
    func testTheFaceCropIsDrawnAndFShowsTheWholeFrame() throws {
        let png = folder.appendingPathComponent("frame.png").path
        var pixels = [UInt8]()
        for y in 0..<64 { for x in 0..<64 { pixels += (40..<56).contains(x) && (8..<24).contains(y) ? [230, 20, 20] : [20, 20, 230] } }
        try ImageEncoding.png(RGBImage(width: 64, height: 64, pixels: pixels)).write(to: URL(fileURLWithPath: png))
        _ = try store.addAnnotation(sampleAnnotation(0, sourcePath: png))
        // A box of 10x10 centred on the square: the 15-pixel crop lies inside it.
        try store.recordReferenceFace(
            ReferenceFace(box: [43, 11, 53, 21], probability: 0.99, landmarks: Array(repeating: [48, 16], count: 5), frameWidth: 64,
                          frameHeight: 64, frameIndex: 0, detector: "test"),
            contentHash: "hash0")
        let tmux = try startReview(extra: ["COLORTERM": "truecolor"])
        // How many colour changes to the blue background the screen holds (tmux leaves out a colour repeated in the
        // next cell, so this counts runs, not pixels; scaling may move a channel by a step or two).
        func blueRuns() throws -> Int {
            let screen = try tmux.tmux(["capture-pane", "-p", "-e", "-t", tmux.name])
            let expression = try NSRegularExpression(pattern: "38;2;(\\d+);(\\d+);(\\d+)")
            return expression.matches(in: screen, range: NSRange(screen.startIndex..., in: screen)).filter { match in
                let channel = { (index: Int) in Int(screen[Range(match.range(at: index), in: screen)!])! }
                return channel(1) < 80 && channel(3) > 180
            }.count
        }
        _ = try tmux.waitUntil("the picture") { $0.components(separatedBy: "▀").count > 16 * 8 }
        XCTAssertEqual(try blueRuns(), 0, "the face crop shows no blue background")
        try tmux.type("f")
        try tmux.waitFor("picture: the whole frame")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try blueRuns() == 0 { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertGreaterThan(try blueRuns(), 0, "the whole frame shows the blue around the face")
    }

    /// `v` hands the reference file to the curator's viewer, in the background, and the queue goes on.
    func testViewKeyOpensTheReferenceInTheViewer() throws {
        let reference = folder.appendingPathComponent("reference.png").path
        try ImageEncoding.png(RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 200, count: 12))).write(to: URL(fileURLWithPath: reference))
        let opened = folder.appendingPathComponent("opened.txt").path
        let viewer = folder.appendingPathComponent("viewer.sh")
        try Data("#!/bin/sh\nprintf '%s' \"$1\" > \(opened)\n".utf8).write(to: viewer)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: viewer.path)
        _ = try store.addAnnotation(sampleAnnotation(0, sourcePath: reference))
        let tmux = try startReview(extra: ["TBD_VIEWER": viewer.path])
        try tmux.waitFor("#1  PENDING")
        try tmux.type("v")
        try tmux.waitFor("opened in \(viewer.path)")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, (try? String(contentsOfFile: opened, encoding: .utf8)) == nil { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(try String(contentsOfFile: opened, encoding: .utf8), reference)
        try tmux.type("a")
        try tmux.waitFor("approved #1")
    }

    /// With two curators per item, a disagreement waits for the reviewer's queue, where `a` settles it.
    func testReviewerQueueSettlesAConflict() throws {
        _ = try store.addAnnotations([sampleAnnotation(0), sampleAnnotation(1)])
        try store.setOverlap(2, curator: "lead")
        try store.approve(id: 1, curator: "ann")
        try store.reject(id: 1, curator: "bob", reason: .wrongEmotion)
        XCTAssertEqual(try store.openConflicts(), [1])
        let tbd = try BuiltProgram.url("tbd")
        let tmux = try TmuxSession(
            command: "\(tbd.path) review --db \(databasePath!) --role reviewer",
            environment: ["TBD_CURATOR": "rita", "LANG": "C.UTF-8", "TERM": "tmux-256color"])
        let screen = try tmux.waitFor("#1  PENDING")
        XCTAssertTrue(screen.contains("1 pending here"), "only the conflict is in the reviewer's queue: \(screen)")
        XCTAssertTrue(screen.contains("CONFLICT on rev 1: ann approved, bob rejected (wrong_emotion)"), "the reviewer sees the disagreement: \(screen)")
        try tmux.type("a")
        try tmux.waitFor("approved #1")
        XCTAssertEqual(try store.show(id: 1).status, .approved)
        XCTAssertEqual(try store.openConflicts(), [])
        XCTAssertEqual(try store.show(id: 2).status, .pending, "the reviewer's queue holds conflicts only")
    }

    /// A large terminal gets a picture large enough to judge whether an action unit is visible.
    func testPictureUsesTheRoomOfALargeTerminal() throws {
        let png = folder.appendingPathComponent("frame.png").path
        var gradient = [UInt8]()
        for y in 0..<128 { for x in 0..<128 { gradient += [UInt8(x * 2), UInt8(y * 2), 128] } }
        try ImageEncoding.png(RGBImage(width: 128, height: 128, pixels: gradient)).write(to: URL(fileURLWithPath: png))
        _ = try store.addAnnotation(sampleAnnotation(0, sourcePath: png))
        let tmux = try startReview(width: 160, height: 45, extra: ["COLORTERM": "truecolor"])
        let size = ReviewScreen.pictureSize(width: 160, height: 45)
        XCTAssertGreaterThanOrEqual(size.columns, 48)
        let block = String(repeating: "▀", count: size.columns)
        let screen = try tmux.waitUntil("the large picture") { screen in
            screen.split(separator: "\n").filter { $0.hasSuffix(block) }.count == size.rows
        }
        XCTAssertTrue(screen.contains("FINE"), "the prompts stay beside the picture: \(screen)")
    }

    /// At 60x20 the screen is a notice: keys that would decide, move or edit do nothing, q and ? still act.
    func testBelowTheMinimumSizeOnlyQuitAndHelpAct() throws {
        _ = try store.addAnnotations([sampleAnnotation(0), sampleAnnotation(1)])
        let tmux = try startReview(width: 60, height: 20)
        try tmux.waitFor("terminal too small: 60x20, needs 80x24")
        try tmux.type("a")
        try tmux.waitFor("only q and ? act until the terminal is larger")
        try tmux.type("r")
        try tmux.type("1")
        try tmux.press("Enter")
        try tmux.type("?")
        try tmux.waitFor("approve the current revision")
        try tmux.type("?")
        try tmux.waitUntil("the help to close") { !$0.contains("approve the current revision") }
        XCTAssertEqual(try store.show(id: 1).decisions, [], "nothing was approved or rejected")
        XCTAssertEqual(try store.statusCounts(), StatusCounts(pending: 2, approved: 0, rejected: 0))
        try tmux.resize(width: 80, height: 24)
        let screen = try tmux.waitFor("#1  PENDING")
        XCTAssertFalse(screen.contains("why?"), "no reject was begun while the screen was too small: \(screen)")
        try tmux.resize(width: 60, height: 20)
        try tmux.waitFor("terminal too small: 60x20")
        try tmux.type("q")
        try tmux.waitUntil("the screen to close") { !$0.contains("terminal too small") }
        XCTAssertEqual(try store.activeClaims(), [], "q quits and gives the item back")
        XCTAssertEqual(try store.statusCounts().pending, 2)
    }

    /// `a` on an item with an unknown AU asks; `n` keeps it pending, `y` approves it.
    func testApprovingAnErrorFindingAsksFirst() throws {
        _ = try store.addAnnotation(sampleAnnotation(0))
        try store.edit(id: 1, curator: "bob", aus: ["6C", "99"])
        let tmux = try startReview()
        try tmux.waitFor("#1  PENDING")
        try tmux.type("a")
        try tmux.waitFor("approve with 1 error finding? y/n")
        try tmux.type("n")
        try tmux.waitFor("not approved")
        XCTAssertEqual(try store.show(id: 1).status, .pending)
        try tmux.type("a")
        try tmux.waitFor("approve with 1 error finding? y/n")
        try tmux.type("y")
        try tmux.waitFor("approved #1")
        XCTAssertEqual(try store.show(id: 1).status, .approved)
    }
}
