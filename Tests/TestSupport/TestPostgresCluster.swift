import Foundation

/// The throwaway PostgreSQL cluster `scripts/postgres-test-cluster.sh start` runs for the tests (`make test` starts
/// it and exports its URL as `TBD_TEST_POSTGRES_URL`). Each call to `makeDatabase` gives a new, empty database, so
/// tests never see each other's rows.
public enum TestPostgresCluster {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let counter = Counter()

    /// The cluster's settings: the environment's, else those the start script wrote under .build (so a filtered
    /// `swift test` after `scripts/postgres-test-cluster.sh start` finds the cluster too).
    static func setting(_ name: String) -> String? {
        if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { return value }
        let file = root.appendingPathComponent(".build/postgres-test-cluster.env")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + "=") {
            return String(line.dropFirst(name.count + 1))
        }
        return nil
    }

    /// The URL of the cluster's maintenance database; an error saying how to start the cluster when there is none.
    public static func url() throws -> String {
        guard let url = setting("TBD_TEST_POSTGRES_URL") else {
            throw ClusterMissing()
        }
        return url
    }

    /// Creates an empty database on the cluster and returns its URL.
    public static func makeDatabase() throws -> String {
        let url = try url()
        let name = "tbd_test_\(getpid())_\(counter.next())"
        let psql = setting("TBD_TEST_POSTGRES_BIN").map { $0 + "/psql" } ?? "/usr/bin/psql"
        let run = try BuiltProgram.run(executable: URL(fileURLWithPath: psql), [url, "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE \(name)"])
        guard run.status == 0 else { throw CreateFailed(message: run.stderr) }
        guard var components = URLComponents(string: url) else { throw CreateFailed(message: "unreadable cluster URL") }
        components.path = "/" + name
        return components.string!
    }

    /// Runs one SQL statement on the database at `url` with psql and returns what it printed (unaligned, tuples
    /// only): for tests that change a database behind the store's back.
    public static func psql(_ url: String, _ sql: String) throws -> String {
        let psql = setting("TBD_TEST_POSTGRES_BIN").map { $0 + "/psql" } ?? "/usr/bin/psql"
        let run = try BuiltProgram.run(executable: URL(fileURLWithPath: psql), [url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql])
        guard run.status == 0 else { throw CreateFailed(message: run.stderr) }
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Restarts the cluster's server (fast shutdown: open connections are cut), or starts it again after
    /// `stopServer`; returns once it accepts connections.
    public static func restartServer() throws {
        try shell("'\(root.path)/scripts/postgres-test-cluster.sh' restart")
    }

    /// Stops the cluster's server, leaving its data: the tests of a server that stays down call `restartServer`
    /// afterwards, so the cluster is never left stopped.
    public static func stopServer() throws {
        guard let bin = setting("TBD_TEST_POSTGRES_BIN"), let dir = setting("TBD_TEST_POSTGRES_DIR") else { throw ClusterMissing() }
        // The server runs as the postgres user when the tests run as root.
        let user = getuid() == 0 ? "runuser -u postgres -- " : ""
        try shell("\(user)'\(bin)/pg_ctl' -D '\(dir)/data' -m fast -w stop")
    }

    /// Runs a command line with `system`, which waits for the shell itself: the server that `pg_ctl` starts outlives
    /// the command, and waiting through Foundation's `Process` for a command that started it did not return.
    private static func shell(_ command: String) throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tbd-cluster-\(getpid())-\(counter.next()).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let status = system("\(command) >'\(log.path)' 2>&1 </dev/null")
        guard status == 0 else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw ServerControlFailed(message: "\(command): exit status \(status): \(output)")
        }
    }

    struct ServerControlFailed: Error, CustomStringConvertible {
        var message: String
        var description: String { "could not stop or restart the test cluster's server: \(message)" }
    }

    struct ClusterMissing: Error, CustomStringConvertible {
        var description: String {
            "TBD_TEST_POSTGRES_URL is not set and no test cluster is running: run scripts/postgres-test-cluster.sh start "
                + "(make test starts and stops it); the store's PostgreSQL tests need it"
        }
    }

    struct CreateFailed: Error, CustomStringConvertible {
        var message: String
        var description: String { "could not create a test database: \(message)" }
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
