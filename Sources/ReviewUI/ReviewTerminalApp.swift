import Store
import FACSKnowledge
import Foundation

/// `tbd review`: the full-screen loop. It draws a frame after every key, resize and finished picture, renews the
/// curator's claim while the screen is open, and hands the terminal to $EDITOR for edits.
public enum ReviewTerminalApp {
    public static func run(
        store: ProjectStore, curator: String, filter: ReviewFilter = .pending, role: CuratorRole = .curator,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        let terminal = try TerminalDevice()
        let session = ReviewSession(store: store, curator: curator, filter: filter, role: role)
        let color = TerminalColorSupport.detect(environment)
        let pictures = PictureCache(decoder: MediaIOFrameDecoder(), color: color) { [weak terminal] in terminal?.notifyPictureReady() }
        let table = try? FACSTable.bundled()
        session.start()
        terminal.enterRawMode()
        defer {
            session.close()
            terminal.leaveRawMode()
        }
        while true {
            let size = terminal.size()
            let pictureSize = ReviewScreen.pictureSize(width: size.width, height: size.height)
            let screen = ReviewScreen(
                width: size.width, height: size.height, color: color,
                picture: pictures.rows(for: session.detail?.subject.sourcePath, columns: pictureSize.columns, rows: pictureSize.rows),
                table: table)
            terminal.send(screen.frame(session))
            // A short wait first: when the curator pauses, the WAL is checkpointed (see ReviewSession.idle()).
            var event = terminal.next(timeout: 300)
            if case .timeout = event {
                session.idle()
                event = terminal.next(timeout: 30_000)
            }
            switch event {
            case .input(let bytes):
                for key in ReviewKey.decode(bytes) {
                    switch session.handle(key) {
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
