import ArgumentParser
import Foundation
import ReviewQueue

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Review annotations: the terminal queue for curators and scriptable decisions (docs/review-queue.md).",
        subcommands: [
            Queue.self, List.self, Show.self, Approve.self, Reject.self, Edit.self, Undo.self, Claim.self, Renew.self,
            Release.self, Retry.self, Stats.self, Settings.self, Agreement.self, Audit.self, Check.self, Bench.self,
        ],
        defaultSubcommand: Queue.self)
}
