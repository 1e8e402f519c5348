import ArgumentParser
import FACSKnowledge
import Foundation
import ReviewQueue
import SafeText
import Store

extension ReviewCommand {
    struct Queue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "queue", abstract: "The full-screen review queue (the default; press ? inside for keys).")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @Option(name: .long, help: "Start with this filter, e.g. \"emotion=happy level=3\".")
        var filter: String = ""
        @Option(name: .long, help: "curator, or reviewer: the queue of items whose curators disagreed, decided finally.")
        var role: CuratorRole = .curator
        @Flag(name: .long, help: "Not supported here: the queue is interactive. Use the subcommands for JSON.")
        var json = false

        func run() throws {
            if json {
                throw CLIError("the review queue is interactive; for JSON use its subcommands, e.g. \(ReviewCommandHint.command(["review", "list", "--json"], store: store))")
            }
            guard ReviewTerminalApp.hasTerminal else {
                throw CLIError("the review queue needs a terminal; in a script use its subcommands, e.g. \(ReviewCommandHint.command(["review", "list", "--status", "pending"], store: store))")
            }
            let name = try curator.resolve()
            var parsed = try storeCall { try ReviewFilter.parse(filter) }
            if role == .reviewer { parsed.conflict = true }
            let opened = try store.openExisting(automaticCheckpoints: false)
            try storeCall { try ReviewTerminalApp.run(store: opened, curator: name, filter: parsed, role: role) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List annotations, oldest first; --status failed lists the items the pipeline could not annotate.")
        @OptionGroup var store: StoreOptions
        @Option(name: .long, help: "pending, approved, rejected, conflict (waiting for a reviewer), failed (not annotated; see `tbd review retry`) or any.")
        var status: StatusChoice = .any
        @Option(name: .long) var emotion: String?
        @Option(name: .long, help: "1, 2 or 3.") var level: EmotionLevel?
        @Option(name: .long) var actor: String?
        @Option(name: .long) var backend: String?
        @Option(name: .long, help: "yes: only items with warnings or errors; no: only items without.") var findings: YesNo?
        @Option(name: .long, help: "At most this many rows.") var limit: Int = 50
        @Option(name: .long, help: "Start after this annotation id (paging).") var after: Int64?
        @OptionGroup var output: JSONOption

        func validate() throws {
            if status == .failed && findings != nil { throw ValidationError("--findings does not apply to failed items: they have no findings") }
        }

        func run() throws {
            guard limit > 0 else { throw CLIError("--limit must be positive") }
            // Built field by field: a value with a space stays one value, never a second filter term.
            let filter = ReviewFilter(
                status: status.status, emotion: emotion?.lowercased(), level: level?.rawValue, actor: actor, backend: backend,
                hasFindings: findings.map { $0 == .yes }, conflict: status.conflict)
            if status == .failed { return try listFailed(filter) }
            let rows = try storeCall { try store.openExisting().list(filter: filter, limit: limit, after: after) }
            if output.json { return try printJSON(rows) }
            if rows.isEmpty { print("no annotation matches \(filter.text)") }
            for row in rows {
                let flag = row.worstFinding.map { " [\($0.rawValue)]" } ?? ""
                let claim = row.claimedBy.map { " (claimed by \(TerminalText.sanitize($0)))" } ?? ""
                print(TerminalText.sanitize(
                    "#\(row.id) \(row.status.rawValue) \(row.emotion) L\(row.level) \(row.actorID ?? "-") \(row.view ?? "-") rev\(row.revision)\(flag)\(claim)  \(row.coarsePrompt)"))
            }
        }

        /// Failed items are not annotations: their own rows, ids of their own, and the command that retries them.
        private func listFailed(_ filter: ReviewFilter) throws {
            let items = try storeCall { try store.openExisting().failedAnnotations(filter: filter, limit: limit, after: after) }
            if output.json { return try printJSON(items.map(ReviewFailedItemView.init)) }
            guard let first = items.first?.id else { return print("no failed item waits for a retry") }
            for item in items {
                let subject = "\(item.subject.actorID ?? "-") \(item.subject.view ?? "-") \(item.subject.sourcePath)"
                print(TerminalText.sanitize(
                    "failed item \(item.id ?? 0): \(item.emotion) L\(item.level.rawValue) \(subject)  stage \(item.stageIndex) \(item.stageTitle): "
                        + TerminalText.truncate(item.error, width: 160)))
            }
            print("retry the first: \(ReviewCommandHint.command(["review", "retry", String(first)], store: store))")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one annotation: subject, stages, every revision and decision.")
        @OptionGroup var store: StoreOptions
        @Argument var id: Int64
        @OptionGroup var output: JSONOption

        func run() throws {
            let detail = try storeCall { try store.openExisting().show(id: id) }
            if output.json { return try printJSON(detail) }
            print(AnnotationReport.text(detail))
        }
    }
}
