import ArgumentParser
import FACSKnowledge
import Foundation
import ReviewQueue
import SafeText
import Store

extension ReviewCommand {
    struct Settings: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or change review settings: --overlap N, how many curators decide each item (default 1).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @Option(name: .long, help: "Curators per item, 1-\(ProjectStore.maximumOverlap); above 1, disagreements go to a reviewer.")
        var overlap: Int?
        @OptionGroup var output: JSONOption

        func validate() throws {
            if let overlap, !(1...ProjectStore.maximumOverlap).contains(overlap) {
                throw ValidationError("--overlap must be 1-\(ProjectStore.maximumOverlap)")
            }
        }

        func run() throws {
            let opened = try store.openExisting()
            if let overlap {
                let name = try curator.resolve()
                try storeCall { try opened.setOverlap(overlap, curator: name) }
            }
            let current = try storeCall { try opened.overlap() }
            if output.json { return try printJSON(["overlap": current]) }
            print("overlap: \(current) curator\(current == 1 ? "" : "s") per item")
        }
    }

    struct Agreement: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How far curators agree on items several of them decided: percent agreement and kappa.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let report = try storeCall { try store.openExisting().agreement() }
            if output.json { return try printJSON(report) }
            func figure(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "n/a" }
            print("\(report.items) items decided by two or more curators")
            print("approve/reject: agreement \(figure(report.percentAgreement)), Fleiss' kappa \(figure(report.kappa))")
            print("with reject reasons: agreement \(figure(report.reasons.percentAgreement)), kappa \(figure(report.reasons.kappa))")
            for pair in report.pairs {
                print(TerminalText.sanitize("  \(pair.curators.joined(separator: " & ")): \(pair.items) items, agreement \(figure(pair.percentAgreement)), Cohen's kappa \(figure(pair.kappa))"))
            }
            for emotion in report.byEmotion {
                print(TerminalText.sanitize("  \(emotion.emotion): \(emotion.items) items, agreement \(figure(emotion.percentAgreement)), kappa \(figure(emotion.kappa))"))
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Counts by status, emotion, curator and reject reason, and the failed items waiting for a retry.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: JSONOption

        func run() throws {
            let stats = try storeCall { try store.openExisting().stats() }
            if output.json { return try printJSON(stats) }
            print("\(stats.total) annotations: \(stats.pending) pending, \(stats.approved) approved, \(stats.rejected) rejected; \(stats.activeClaims) claimed now")
            if stats.failed > 0 {
                let items = stats.failed == 1 ? "1 failed item waits" : "\(stats.failed) failed items wait"
                print("\(items) for a retry: \(ReviewCommandHint.command(["review", "list", "--status", "failed"], store: store))")
            }
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
        static let configuration = CommandConfiguration(
            abstract: "The audit log of one annotation, or of the whole store: the latest entries, oldest first.")
        @OptionGroup var store: StoreOptions
        @Argument var id: Int64?
        @Option(name: .long, help: "Show the latest this many entries.") var limit: Int = 200
        @OptionGroup var output: JSONOption

        func run() throws {
            guard limit > 0 else { throw CLIError("--limit must be positive") }
            let entries = try storeCall { try store.openExisting().auditLog(annotationID: id, limit: limit) }
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
            let opened = try store.openExisting()
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
