import Store
import FACSKnowledge
import Foundation

/// `tbd review`: the full-screen loop. It draws a frame after every key, resize and finished picture, renews the
/// curator's claim while the screen is open, and hands the terminal to $EDITOR for edits.
public enum ReviewTerminalApp {
    /// Whether `run` can take the terminal: a caller without one can say what to do instead before `run` refuses.
    public static var hasTerminal: Bool { TerminalDevice.isAvailable }

    public static func run(
        store: ProjectStore, curator: String, filter: ReviewFilter = .pending, role: CuratorRole = .curator,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        let terminal = try TerminalDevice()
        let session = ReviewSession(store: store, curator: curator, filter: filter, role: role)
        let color = TerminalColorSupport.detect(environment)
        let pictures = PictureCache(decoder: MediaIOFrameDecoder(), color: color) { [weak terminal] in terminal?.notifyPictureReady() }
        let table = try? FACSTable.bundled()
        let kitty = color != .none && KittyGraphics.isSupported(environment)
        var transmittedPicture: ReferencePicture?
        session.start()
        terminal.enterRawMode()
        defer {
            session.close()
            terminal.leaveRawMode()
        }
        while true {
            let size = terminal.size()
            let pictureSize = ReviewScreen.pictureSize(width: size.width, height: size.height)
            let shown = session.picture
            // With kitty graphics the screen keeps the picture's cells blank and the real picture is placed on them.
            let png = kitty ? pictures.png(for: shown, side: 512) : nil
            let picture = png != nil
                ? Array(repeating: String(repeating: " ", count: pictureSize.columns), count: pictureSize.rows)
                : pictures.rows(for: shown, columns: pictureSize.columns, rows: pictureSize.rows)
            let screen = ReviewScreen(width: size.width, height: size.height, color: color, picture: picture, table: table)
            var output = (kitty ? KittyGraphics.clearPlacements : "") + screen.frame(session)
            if let png, session.mode == .reviewing, session.scroll == 0 {
                if transmittedPicture != shown {
                    output += KittyGraphics.transmit(png: png)
                    transmittedPicture = shown
                }
                output += KittyGraphics.place(row: 2, column: size.width - pictureSize.columns, columns: pictureSize.columns, rows: pictureSize.rows)
            }
            terminal.send(output)
            // A short wait first: when the curator pauses, the WAL is checkpointed (see ReviewSession.idle()).
            var event = terminal.next(timeout: 300)
            if case .timeout = event {
                session.idle()
                event = terminal.next(timeout: 30_000)
            }
            switch event {
            case .input(let bytes):
                // The size now, not the drawn frame's: a resize may have come with the keys.
                let now = terminal.size()
                let fits = ReviewScreen.fits(width: now.width, height: now.height)
                for key in ReviewKey.decode(bytes) {
                    switch session.handle(key, screenFits: fits) {
                    case .quit:
                        return
                    case .redraw:
                        break
                    case .edit(let text):
                        terminal.leaveRawMode()
                        let edited = runEditor(on: text, environment: environment)
                        terminal.enterRawMode()
                        switch edited {
                        case .success(let text): session.finishEdit(text)
                        case .failure(let error): session.report(error)
                        }
                    case .view(let path):
                        do {
                            let viewer = try ReferenceViewer.open(path, environment: environment)
                            session.inform("opened in \(viewer)")
                        } catch {
                            session.report(error)
                        }
                    }
                }
            case .resize:
                terminal.send("\u{1B}[2J")
            case .pictureReady, .timeout:
                break
            case .terminate:
                return
            }
            session.renewClaimIfDue()
        }
    }

    /// Writes `text` to a private temporary file, runs $VISUAL or $EDITOR (else vi) on it, and reads it back.
    static func runEditor(on text: String, environment: [String: String]) -> Result<String, Error> {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tbd-review-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            try Data(text.utf8).write(to: file, options: [.atomic])
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            try TerminalEditor.run(TerminalEditor.command(environment: environment), on: file.path, environment: environment)
            return .success(try String(contentsOf: file, encoding: .utf8))
        } catch {
            return .failure(error)
        }
    }
}
