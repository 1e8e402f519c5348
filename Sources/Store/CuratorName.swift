import Foundation

/// Who is reviewing: `--curator`, else `TBD_CURATOR`, else the login name.
public enum CuratorName {
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let candidates = [option, environment["TBD_CURATOR"], loginName(environment)]
        guard let name = candidates.compactMap({ $0?.trimmingCharacters(in: .whitespacesAndNewlines) }).first(where: { !$0.isEmpty }) else {
            throw StoreError.invalidInput("no curator name: pass --curator NAME or set TBD_CURATOR")
        }
        guard name.count <= 64, name.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) }) else {
            throw StoreError.invalidInput("a curator name is at most 64 printable characters")
        }
        return name
    }

    private static func loginName(_ environment: [String: String]) -> String? {
        if let pointer = getlogin() { return String(cString: pointer) }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return environment["USER"] ?? environment["LOGNAME"]
    }
}
