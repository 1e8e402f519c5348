import Foundation

/// Where the project's database is: an explicit path, else `$TBD_DB`, else `data/tbd.sqlite` under the
/// working folder. The one place this rule lives.
public enum StoreLocation {
    public static let defaultPath = "data/tbd.sqlite"

    public static func path(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        if let variable = environment["TBD_DB"], !variable.isEmpty { return variable }
        return defaultPath
    }
}

extension StoreLocation {
    /// The location as it may be printed: a PostgreSQL URL without its password, a file path as it is.
    public static func displayed(_ location: String) -> String {
        guard PostgresLocation.isURL(location), var components = URLComponents(string: location) else { return location }
        components.password = nil
        return components.string ?? "postgres://…"
    }
}

extension StoreLocation {
    /// The folder the files made beside the database go in (exports, reference frames, failed items): the SQLite
    /// file's folder, or for a PostgreSQL database, which has no folder, the default database's (`data/`).
    public static func folder(of location: String) -> URL {
        let file = PostgresLocation.isURL(location) ? defaultPath : location
        return URL(fileURLWithPath: file).deletingLastPathComponent()
    }
}
