import ArgumentParser
import FACSKnowledge
import Foundation
import ReviewQueue
import SafeText
import Store

extension ReviewCommand {
    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a pending annotation's current revision.",
            discussion: "A revision with an error finding (an unknown AU, codes that exclude each other) is refused unless --force.")
        @OptionGroup var item: ReviewItemOptions
        @Option(name: .long, help: "Optional note kept with the decision.") var note: String?
        @Option(name: .long, help: "curator, or reviewer: a final decision that settles a conflict.") var role: CuratorRole = .curator
        @Flag(name: .long, help: "Approve even though the revision has error findings.") var force = false

        func run() throws {
            let name = try item.curator.resolve()
            let decision = try ReviewCommandHint.storeCall(item.store) {
                try item.store.openExisting().approve(id: item.id, curator: name, note: note, role: role, force: force)
            }
            if item.output.json { return try printJSON(decision) }
            print(ReviewOutcomeText.describe(decision, verb: "approved", curator: name))
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a pending annotation with a reason from the list.",
            discussion: "Reasons: \(RejectReason.allCases.map(\.rawValue).joined(separator: ", ")). Write \"reason: free text\" or use --note.")
        @OptionGroup var item: ReviewItemOptions
        @Option(name: .long, help: "A reason code, optionally followed by ': free text'.") var reason: String
        @Option(name: .long, help: "Free text kept with the decision.") var note: String?
        @Option(name: .long, help: "curator, or reviewer: a final decision that settles a conflict.") var role: CuratorRole = .curator

        func run() throws {
            let name = try item.curator.resolve()
            guard let parsed = RejectReason.parse(reason) else {
                throw CLIError("unknown reason '\(reason)' (use one of: \(RejectReason.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let text = [parsed.note, note].compactMap { $0 }.joined(separator: "; ")
            let decision = try ReviewCommandHint.storeCall(item.store) {
                try item.store.openExisting().reject(id: item.id, curator: name, reason: parsed.reason, note: text.isEmpty ? nil : text, role: role)
            }
            if item.output.json { return try printJSON(decision) }
            print(ReviewOutcomeText.describe(decision, verb: "rejected (\(parsed.reason.rawValue))", curator: name))
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store edited prompts as a new revision; an approved item goes back to pending unless --approve.")
        @OptionGroup var item: ReviewItemOptions
        @Option(name: .long) var coarse: String?
        @Option(name: .long) var fine: String?
        @Option(name: .long, help: "AUs in FACS notation, e.g. \"6C 12C 25\" or \"6C+12C\".") var aus: String?
        @Flag(name: .long, help: "Approve the edited revision in the same step.") var approve = false
        @Flag(name: .long, help: "With --approve: approve even though the new revision has error findings.") var force = false

        func validate() throws {
            if force && !approve { throw ValidationError("--force goes with --approve: it lets the approval keep error findings") }
        }

        func run() throws {
            let name = try item.curator.resolve()
            guard coarse != nil || fine != nil || aus != nil else { throw CLIError("give --coarse, --fine or --aus") }
            let auList = try aus.map { text in
                do { return try ScoredAU.list(notation: text) } catch { throw CLIError("--aus: \(error)") }
            }
            let revision = try ReviewCommandHint.storeCall(item.store) {
                try item.store.openExisting().edit(
                    id: item.id, curator: name, coarse: coarse, fine: fine, aus: auList, approve: approve, force: force)
            }
            let view = ReviewEditView(revision: revision)
            if item.output.json { return try printJSON(view) }
            print("saved revision \(revision.number) of #\(item.id)\(approve ? ", approved" : "")")
            for finding in view.errorFindings {
                print(TerminalText.sanitize("error finding: \(finding.kind.rawValue): \(finding.message)"))
            }
            if !view.errorFindings.isEmpty && !approve {
                print("approving it needs --force: \(ReviewCommandHint.command(["review", "approve", String(item.id), "--force"], store: item.store))")
            }
        }
    }

    struct Undo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undo this curator's latest decision that still stands; the item is left unclaimed for anyone.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var curator: CuratorOption
        @OptionGroup var output: JSONOption

        func run() throws {
            let name = try curator.resolve()
            let undo = try storeCall { try store.openExisting().undoLast(curator: name, reclaim: false) }
            if output.json { return try printJSON(undo) }
            print("undid decision #\(undo.undoesDecisionID ?? 0) on #\(undo.annotationID): now \(undo.statusAfter.rawValue), revision \(undo.revisionAfter)")
        }
    }
}
