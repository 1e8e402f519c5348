import Foundation
import XCTest

/// A detached tmux server of its own (a private socket) running one command in a pane of a fixed size: the
/// review screen gets a real terminal, keys go in with send-keys and the screen comes back with capture-pane.
final class TmuxSession {
    let socket = "tbd-review-test-\(UUID().uuidString.prefix(8))"
    let name = "review"

    init(width: Int = 80, height: Int = 24, command: String, environment: [String: String]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else { throw XCTSkip("tmux is not installed") }
        // Colour settings of the machine running the tests must not leak in: each test sets what it needs.
        let exports = environment.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        try tmux(detached: true, ["-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "env -u NO_COLOR -u COLORTERM \(exports) \(command); sleep 30"])
        try tmux(["set-option", "-g", "set-clipboard", "on"])
        try tmux(["set-option", "-g", "window-size", "manual"])
    }

    deinit {
        _ = try? tmux(["kill-server"])
    }

    @discardableResult
    func tmux(detached: Bool = false, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = ["-u", "-L", socket] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LANG"] = "C.UTF-8"
        environment.removeValue(forKey: "TMUX")
        process.environment = environment
        guard !detached else {
            // Foundation's Process notices a child's exit through a descriptor the child inherits; the server that
            // new-session forks would keep it open and the wait would never end. Spawn and reap it directly.
            try spawnAndWait("/usr/bin/tmux", ["tmux"] + process.arguments!, environment: environment)
            return ""
        }
        process.standardError = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Types text literally.
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", name, "-l", text])
    }

    /// Presses named keys: Enter, Escape, C-u.
    func press(_ keys: String...) throws {
        try tmux(["send-keys", "-t", name] + keys)
    }

    func capture() throws -> String {
        try tmux(["capture-pane", "-p", "-t", name])
    }

    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Polls the screen until `text` shows, failing with the last screen after `timeout` seconds.
    @discardableResult
    func waitFor(_ text: String, timeout: TimeInterval = 15, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try waitUntil(timeout: timeout, file: file, line: line, "'\(text)'") { $0.contains(text) }
    }

    @discardableResult
    func waitUntil(timeout: TimeInterval = 15, file: StaticString = #filePath, line: UInt = #line, _ what: String, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if condition(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("timed out waiting for \(what); screen:\n\(screen)", file: file, line: line)
        return screen
    }

    private func spawnAndWait(_ path: String, _ arguments: [String], environment: [String: String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in Int32(0)...2 {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard status == 0 else { throw XCTSkip("cannot start tmux: \(String(cString: strerror(status)))") }
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
    }
}
