import ArgumentParser
import Store

/// `--db`, resolved by the store's one rule (`--db`, else `$TBD_DB`, else data/tbd.sqlite).
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Project database: a SQLite file or postgres://user@host:port/db (default: $TBD_DB, else data/tbd.sqlite).")
    var db: String?

    var path: String { StoreLocation.path(option: db) }

    /// Opens the store for a command that writes: a missing database is created with its folder.
    func open(automaticCheckpoints: Bool = true) throws -> ProjectStore {
        try open(.init(automaticCheckpoints: automaticCheckpoints))
    }

    /// Opens the store for a command that only reads: a missing database is an error naming the path, and
    /// nothing is created (a mistyped --db must not become a new, empty store).
    func openExisting(automaticCheckpoints: Bool = true) throws -> ProjectStore {
        try Self.openExisting(path: path, automaticCheckpoints: automaticCheckpoints)
    }

    /// `openExisting` for a command whose database option is not this group (`tbd render`'s --db).
    static func openExisting(path: String, automaticCheckpoints: Bool = true) throws -> ProjectStore {
        try open(path: path, .init(automaticCheckpoints: automaticCheckpoints, createIfMissing: false))
    }

    private func open(_ options: ProjectStore.Options) throws -> ProjectStore {
        try Self.open(path: path, options)
    }

    private static func open(path: String, _ options: ProjectStore.Options) throws -> ProjectStore {
        try ProjectStore(path: path, options: options)
    }
}

struct CuratorOption: ParsableArguments {
    @Option(name: .long, help: "Curator name (default: $TBD_CURATOR, else the login name).")
    var curator: String?

    func resolve() throws -> String {
        try CuratorName.resolve(option: curator)
    }
}

/// Runs a store call and turns a refusal into a clean "Error: ..." exit.
@discardableResult
func storeCall<Value>(_ body: () throws -> Value) throws -> Value {
    do {
        return try body()
    } catch let error as StoreError {
        throw CLIError(error.description)
    }
}

/// The item a scriptable decision or claim acts on, and who acts.
struct ReviewItemOptions: ParsableArguments {
    @OptionGroup var store: StoreOptions
    @OptionGroup var curator: CuratorOption
    @Argument(help: "The annotation's id.") var id: Int64
    @OptionGroup var output: JSONOption
}
