import ArgumentParser
import Foundation
import FACSKnowledge
import ReviewUI
import SafeText
import Store

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Review annotations: the terminal queue for curators and scriptable decisions (docs/review-queue.md).",
        subcommands: [
            Queue.self, List.self, Show.self, Approve.self, Reject.self, Edit.self, Undo.self, Claim.self, Renew.self,
            Release.self, Stats.self, Audit.self, Check.self, Bench.self,
        ],
        defaultSubcommand: Queue.self)
}

struct CuratorOption: ParsableArguments {
    @Option(name: .long, help: "Curator name (default: $TBD_CURATOR, else the login name).")
    var curator: String?

    func resolve() throws -> String {
        do { return try CuratorName.resolve(option: curator) } catch { throw CLIError("\(error)") }
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

extension ReviewCommand {
    struct Queue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "queue", abstract: "The full-screen review queue (the default; press ? inside for keys).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @Option(name: .long, help: "Start with this filter, e.g. \"emotion=happy level=3\".")
        var filter: String = ""
        @Flag(name: .long, help: "Not supported here: the queue is interactive. Use the subcommands for JSON.")
        var json = false

        func run() throws {
            if json { throw CLIError("the review queue is interactive; use `tbd review list --json` and friends for JSON") }
            let name = try curator.resolve()
            let parsed = try storeCall { try ReviewFilter.parse(filter) }
            let opened = try store.open()
            try storeCall { try ReviewTerminalApp.run(store: opened, curator: name, filter: parsed) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List annotations, oldest first.")
        @OptionGroup var store: StoreOptions
        @Option(name: .long, help: "pending, approved, rejected or any.") var status: String = "any"
        @Option(name: .long) var emotion: String?
        @Option(name: .long) var level: Int?
        @Option(name: .long) var actor: String?
        @Option(name: .long) var backend: String?
        @Option(name: .long, help: "yes: only items with warnings or errors; no: only items without.") var findings: String?
        @Option(name: .long, help: "At most this many rows.") var limit: Int = 50
        @Option(name: .long, help: "Start after this annotation id (paging).") var after: Int64?
        @OptionGroup var output: JSONOption

        func run() throws {
            var terms = ["status=\(status)"]
            if let emotion { terms.append("emotion=\(emotion)") }
            if let level { terms.append("level=\(level)") }
            if let actor { terms.append("actor=\(actor)") }
            if let backend { terms.append("backend=\(backend)") }
            if let findings { terms.append("findings=\(findings)") }
            let filter = try storeCall { try ReviewFilter.parse(terms.joined(separator: " ")) }
            guard limit > 0 else { throw CLIError("--limit must be positive") }
            let rows = try storeCall { try store.open().list(filter: filter, limit: limit, after: after) }
            if output.json { return try printJSON(rows) }
            if rows.isEmpty { print("no annotation matches \(filter.text)") }
            for row in rows {
                let flag = row.worstFinding.map { " [\($0.rawValue)]" } ?? ""
                let claim = row.claimedBy.map { " (claimed by \(TerminalText.sanitize($0)))" } ?? ""
                print(TerminalText.sanitize(
                    "#\(row.id) \(row.status.rawValue) \(row.emotion) L\(row.level) \(row.actorID ?? "-") \(row.view ?? "-") rev\(row.revision)\(flag)\(claim)  \(row.coarsePrompt)"))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one annotation: subject, stages, every revision and decision.")
        @OptionGroup var store: StoreOptions
        @Argument var id: Int64
        @OptionGroup var output: JSONOption

        func run() throws {
            let detail = try storeCall { try store.open().show(id: id) }
            if output.json { return try printJSON(detail) }
            let subject = detail.subject
            var lines = [
                "#\(detail.id) \(detail.status.rawValue), revision \(detail.current.number) of \(detail.revisions.count)",
                "subject: \(subject.kind.rawValue) \(subject.sourcePath) actor \(subject.actorID ?? "-") view \(subject.view ?? "-")",
                "emotion: \(detail.emotion) level \(detail.level.rawValue); \(detail.backend) \(detail.modelID ?? "") mode \(detail.mode.rawValue) template \(detail.templateVersion)",
                "coarse: \(detail.current.coarsePrompt)",
                "fine:   \(detail.current.finePrompt)",
                "AUs:    \(detail.current.aus.map(\.description).joined(separator: " "))",
            ]
            lines += detail.current.findings.map { "finding: \($0)" }
            lines += detail.stages.map { "stage \($0.index) \($0.title): \($0.text)" }
            if let claim = detail.claim { lines.append("claimed by \(claim.curator) until \(claim.expiresAt)") }
            lines += detail.decisions.map { decision in
                "decision #\(decision.id): \(decision.curator) \(decision.action.rawValue)\(decision.reason.map { " (\($0.rawValue))" } ?? "")\(decision.note.map { ": \($0)" } ?? "") \(decision.statusBefore.rawValue) -> \(decision.statusAfter.rawValue) at \(decision.createdAt)"
            }
            for line in lines { print(TerminalText.sanitize(line)) }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a pending annotation's current revision.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @Argument var id: Int64
        @Option(name: .long, help: "Optional note kept with the decision.") var note: String?
        @OptionGroup var output: JSONOption

        func run() throws {
            let name = try curator.resolve()
            let decision = try storeCall { try store.open().approve(id: id, curator: name, note: note) }
            if output.json { return try printJSON(decision) }
            print("approved #\(id) (revision \(decision.revisionAfter)) as \(TerminalText.sanitize(name))")
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a pending annotation with a reason from the list.",
            discussion: "Reasons: \(RejectReason.allCases.map(\.rawValue).joined(separator: ", ")). Write \"reason: free text\" or use --note.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @Argument var id: Int64
        @Option(name: .long, help: "A reason code, optionally followed by ': free text'.") var reason: String
        @Option(name: .long, help: "Free text kept with the decision.") var note: String?
        @OptionGroup var output: JSONOption

        func run() throws {
            let name = try curator.resolve()
            guard let parsed = RejectReason.parse(reason) else {
                throw CLIError("unknown reason '\(reason)' (use one of: \(RejectReason.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let text = [parsed.note, note].compactMap { $0 }.joined(separator: "; ")
            let decision = try storeCall {
                try store.open().reject(id: id, curator: name, reason: parsed.reason, note: text.isEmpty ? nil : text)
            }
            if output.json { return try printJSON(decision) }
            print("rejected #\(id) (\(parsed.reason.rawValue)) as \(TerminalText.sanitize(name))")
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store edited prompts as a new revision; an approved item goes back to pending unless --approve.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @Argument var id: Int64
        @Option(name: .long) var coarse: String?
        @Option(name: .long) var fine: String?
        @Option(name: .long, help: "AUs in FACS notation, e.g. \"6C 12C 25\" or \"6C+12C\".") var aus: String?
        @Flag(name: .long, help: "Approve the edited revision in the same step.") var approve = false
        @OptionGroup var output: JSONOption

        func run() throws {
            let name = try curator.resolve()
            guard coarse != nil || fine != nil || aus != nil else { throw CLIError("give --coarse, --fine or --aus") }
            let auList = try aus.map { text in
                do { return try ScoredAU.list(notation: text) } catch { throw CLIError("--aus: \(error)") }
            }
            let revision = try storeCall {
                try store.open().edit(id: id, curator: name, coarse: coarse, fine: fine, aus: auList, approve: approve)
            }
            if output.json { return try printJSON(revision) }
            print("saved revision \(revision.number) of #\(id)\(approve ? ", approved" : "")")
        }
    }

    struct Undo: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undo this curator's latest decision that still stands.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @OptionGroup var output: JSONOption

        func run() throws {
            let name = try curator.resolve()
            let undo = try storeCall { try store.open().undoLast(curator: name) }
            if output.json { return try printJSON(undo) }
            print("undid decision #\(undo.undoesDecisionID ?? 0) on #\(undo.annotationID): now \(undo.statusAfter.rawValue), revision \(undo.revisionAfter)")
        }
    }

    struct Claim: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Claim the next pending item (or --id) under a lease.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @Option(name: .long, help: "Claim this item instead of the next one.") var id: Int64?
        @Option(name: .long, help: "Only items matching this filter, e.g. \"emotion=sad\".") var filter: String = ""
        @OptionGroup var output: JSONOption

        func run() throws {
            let name = try curator.resolve()
            let opened = try store.open()
            let claim = try storeCall { () -> Store.Claim? in
                if let id { return try opened.claim(id: id, curator: name) }
                return try opened.claimNext(curator: name, filter: try ReviewFilter.parse(filter))
            }
            if output.json { return try printJSON(claim.map(AnyEncodable.init) ?? AnyEncodable([String: String]())) }
            guard let claim else { return print("nothing to claim") }
            print("claimed #\(claim.annotationID) until \(claim.expiresAt)")
        }
    }

    struct Renew: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Renew this curator's lease on an item.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @Argument var id: Int64
        @OptionGroup var output: JSONOption

        func run() throws {
            let name = try curator.resolve()
            let claim = try storeCall { try store.open().renew(id: id, curator: name) }
            if output.json { return try printJSON(claim) }
            print("claim on #\(id) renewed until \(claim.expiresAt)")
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a claimed item back to the queue.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @Argument var id: Int64
        @OptionGroup var output: JSONOption

        func run() throws {
            let name = try curator.resolve()
            try storeCall { try store.open().release(id: id, curator: name) }
            if output.json { return try printJSON(["released": id]) }
            print("released #\(id)")
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts by status, emotion, curator and reject reason.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let stats = try storeCall { try store.open().stats() }
            if output.json { return try printJSON(stats) }
            print("\(stats.total) annotations: \(stats.pending) pending, \(stats.approved) approved, \(stats.rejected) rejected; \(stats.activeClaims) claimed now")
            print("\(stats.renders) renders, \(stats.clipLinks) clip links")
            for row in stats.byEmotion {
                print("  \(row.emotion.padding(toLength: 10, withPad: " ", startingAt: 0)) pending \(row.pending)  approved \(row.approved)  rejected \(row.rejected)")
            }
            for row in stats.byCurator {
                print(TerminalText.sanitize("  curator \(row.curator): approved \(row.approved), rejected \(row.rejected), edited \(row.edited), undone \(row.undone), \(row.lastHour) in the last hour"))
            }
            for (reason, count) in stats.rejectReasons.sorted(by: { $0.key < $1.key }) { print("  rejected for \(reason): \(count)") }
        }
    }

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The audit log of one annotation, or of the whole store.")
        @OptionGroup var store: StoreOptions
        @Argument var id: Int64?
        @Option(name: .long) var limit: Int = 200
        @OptionGroup var output: JSONOption

        func run() throws {
            let entries = try storeCall { try store.open().auditLog(annotationID: id, limit: limit) }
            if output.json { return try printJSON(entries) }
            for entry in entries {
                print(TerminalText.sanitize("\(entry.at) \(entry.curator) \(entry.action) #\(entry.annotationID.map(String.init) ?? "-") before \(entry.beforeJSON ?? "-") after \(entry.afterJSON ?? "-")"))
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the database: SQLite integrity, foreign keys and the store's invariants.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let opened = try store.open()
            let problems = try storeCall { try opened.integrityProblems() }
            let migrations = try storeCall { try opened.appliedMigrations() }
            if output.json {
                try printJSON(CheckView(ok: problems.isEmpty, problems: problems, migrations: migrations))
            } else {
                print(problems.isEmpty ? "ok: \(migrations.joined(separator: ", "))" : problems.joined(separator: "\n"))
            }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    struct CheckView: Encodable {
        let ok: Bool
        let problems: [String]
        let migrations: [String]
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seed a synthetic database and time claim, list, redraw and keys (scripts/bench/30-review.sh).",
            shouldDisplay: false)
        @Option(name: .long, help: "Database to create (removed first).") var db: String = "/tmp/tbd-review-bench.sqlite"
        @Option(name: .long) var items: Int = 100_000
        @Option(name: .long) var runs: Int = 500
        @OptionGroup var output: JSONOption

        func run() throws {
            guard items > 0, runs > 0 else { throw CLIError("--items and --runs must be positive") }
            let report = try storeCall { try ReviewBenchmark.run(path: db, items: items, runs: runs) }
            if output.json { return try printJSON(report) }
            print("\(report.items) annotations seeded in \(String(format: "%.1f", report.seedSeconds)) s, \(report.databaseBytes / 1_048_576) MiB")
            for timing in report.timings {
                let target = timing.targetMilliseconds.map { String(format: "  target %.0f ms, p99 at %.0f%% of it", $0, 100 * timing.p99Milliseconds / $0) } ?? ""
                print(String(format: "%-42@ p50 %7.3f ms  p99 %7.3f ms", timing.name as NSString, timing.p50Milliseconds, timing.p99Milliseconds) + target)
            }
        }
    }
}
