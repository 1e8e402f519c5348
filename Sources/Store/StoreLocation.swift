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
