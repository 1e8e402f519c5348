import ArgumentParser
import Foundation

/// The one rule for options that take several values: comma-separated, repeated, or both, so `--views front,top`
/// is `--views front --views top`. Space-separated values are not read: they would swallow the dataset's root.
enum ListOption {
    /// The items given, trimmed; nil when the option was not given. Given with nothing in it (`--actors ""`) is
    /// an error rather than "all", which would silently widen the run.
    static func items(_ values: [String], option: String) throws -> [String]? {
        guard !values.isEmpty else { return nil }
        let items = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw ValidationError("\(option) needs at least one value") }
        return items
    }
}
