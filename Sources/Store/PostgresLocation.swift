import Foundation

/// A `postgres://user[:password]@host[:port]/database[?sslmode=...]` URL. The password comes from the URL, else
/// `PGPASSWORD`, else the `.pgpass` file (`PGPASSFILE`, else `~/.pgpass`) as libpq reads it; it is never printed:
/// `description` leaves it out.
struct PostgresLocation: Equatable, CustomStringConvertible {
    enum TLSMode: String {
        case disable, prefer, require
        /// `require` that also checks the server's certificate and name against the system's trust store.
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var user: String
    var database: String
    var password: String?
    var tls: TLSMode

    static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses the URL; the password is looked up in `environment` and the password file when the URL has none.
    init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        // The URL itself may hold the password, so no message below quotes it.
        guard text.utf8.count <= 4096, Self.isURL(text), let components = URLComponents(string: text) else {
            throw StoreError.invalidInput("a PostgreSQL database is named postgres://user@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw StoreError.invalidInput("the PostgreSQL URL names no host") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError.invalidInput("the PostgreSQL URL names no database (postgres://user@host:port/database)")
        }
        let user = components.user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "disable", "allow": tls = .disable
                case "prefer": tls = .prefer
                case "require", "verify-ca": tls = .require
                case "verify-full": tls = .verifyFull
                default: throw StoreError.invalidInput("sslmode must be disable, prefer, require or verify-full")
                }
            default:
                throw StoreError.invalidInput("the PostgreSQL URL has an unknown parameter '\(item.name)' (only sslmode is read)")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        self.database = database
        self.tls = tls
        self.password = components.password?.removingPercentEncoding ?? components.password
        if password == nil { password = environment["PGPASSWORD"] }
        if password == nil { password = Self.passwordFromFile(environment: environment, host: host, port: port, database: database, user: user) }
    }

    var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)" + (tls == .prefer ? "" : "?sslmode=\(tls.rawValue)")
    }

    /// The first matching `host:port:database:user:password` line, `*` matching anything and `\` escaping `:` and
    /// `\`. Like libpq, a file that others may read is ignored rather than trusted.
    static func passwordFromFile(environment: [String: String], host: String, port: Int, database: String, user: String) -> String? {
        let path = environment["PGPASSFILE"] ?? environment["HOME"].map { $0 + "/.pgpass" }
        guard let path, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let permissions = attributes[.posixPermissions] as? Int, permissions & 0o077 == 0,
            let size = attributes[.size] as? Int, size <= 1 << 20,
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { return nil }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            let fields = splitFields(String(line))
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func splitFields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
