import ArgumentParser
import Foundation
import SafeText
import Store

/// `tbd store`: the project database as a whole.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "The project database as a whole: copy it between SQLite and PostgreSQL.",
        subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every table of one store into a new, empty one (a SQLite file or a postgres:// URL, either way).",
            discussion: """
                The target must be empty (a new file, or a database with no store tables or empty ones). The copy is \
                one transaction; afterwards every table's row count and content hash are compared on both sides.
                """)
        @Option(name: .long, help: "The store to copy: a SQLite file or postgres://user@host:port/database.")
        var from: String
        @Option(name: .long, help: "The new store: a SQLite file (created) or postgres://user@host:port/database (must exist).")
        var to: String
        @OptionGroup var output: JSONOption

        func run() throws {
            let source = try StoreOptions.openExisting(path: from)
            let target = try storeCall { try ProjectStore(path: to) }
            let summaries = try storeCall { try StoreCopy.copy(from: source, to: target) }
            if output.json { return try printJSON(CopyReport(from: source.path, to: target.path, tables: summaries)) }
            print(TerminalText.sanitize("copied \(source.path) to \(target.path); every table's count and hash match"))
            for summary in summaries {
                print("  \(summary.table.padding(toLength: 18, withPad: " ", startingAt: 0)) \(summary.rows) rows  sha256 \(summary.sha256.prefix(16))")
            }
        }
    }
}

/// `tbd store copy --json`: where from, where to, and each table's count and hash.
private struct CopyReport: Encodable {
    var from: String
    var to: String
    var tables: [StoreCopy.TableSummary]
}
