import Foundation
import Glibc

/// Runs the curator's editor on a file, on the terminal the review screen is using. The editor runs in this
/// process's own process group, the terminal's foreground group, so it can read the keyboard: Foundation's
/// Process puts a child in a group of its own, where a terminal editor gets no input (or is stopped). While it
/// runs, this process ignores the terminal's interrupt and quit keys, which belong to the editor, as system(3)
/// does.
enum TerminalEditor {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// $VISUAL, else $EDITOR, else vi; the command may carry arguments ("code --wait").
    static func command(environment: [String: String]) -> String {
        [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
    }

    /// Runs `command` on `file` and waits. The editor's stderr is kept, so a failure can show what it said.
    static func run(_ command: String, on file: String, environment: [String: String]) throws {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("tbd-editor-\(UUID().uuidString).err")
        defer { try? FileManager.default.removeItem(at: errors) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGTSTP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

        // The path goes in as "$1", never re-read by the shell.
        let arguments = ["/bin/sh", "-c", command + " \"$1\"", "tbd-editor", file]
        let environmentLines = environment.map { "\($0.key)=\($0.value)" }
        let previousInterrupt = signal(SIGINT, SIG_IGN)
        let previousQuit = signal(SIGQUIT, SIG_IGN)
        defer {
            signal(SIGINT, previousInterrupt)
            signal(SIGQUIT, previousQuit)
        }
        var child: pid_t = 0
        let spawned = CStrings.with(arguments) { argv in
            CStrings.with(environmentLines) { envp in posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, envp) }
        }
        guard spawned == 0 else { throw Failure(description: "cannot start the editor: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "lost the editor: \(String(cString: strerror(errno)))") }
        }
        let said = (try? String(contentsOf: errors, encoding: .utf8))?
            .split(whereSeparator: \.isNewline).last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            let how = exited ? "exited with status \(code)" : "was stopped by signal \(status & 0x7f)"
            throw Failure(description: "nothing saved: the editor (\(command)) \(how)\(said.isEmpty ? "" : ": \(said)")")
        }
    }
}
