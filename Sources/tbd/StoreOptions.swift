import ArgumentParser
import Store

/// `--db`, resolved by the store's one rule (`--db`, else `$TBD_DB`, else data/tbd.sqlite).
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Project database (default: $TBD_DB, else data/tbd.sqlite).")
    var db: String?

    var path: String { StoreLocation.path(option: db) }

    func open() throws -> ProjectStore {
        do {
            return try ProjectStore(path: path)
        } catch {
            throw CLIError("\(error)")
        }
    }
}
