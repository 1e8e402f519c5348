import ArgumentParser
import Foundation
import SafeText
import Store

extension RenderCommand {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "The render farm's queue: waiting, leased (by whom, since when), done and failed pairs, workers, throughput and an estimated finish.",
            discussion: "Reads the queue that `tbd render --worker NAME --approved` fills (docs/render-farm.md); changes nothing.")

        @OptionGroup var store: StoreOptions
        @Option(name: .long, help: "Only the queue of these settings (the hash a worker prints, or its first 16 digits).")
        var settings: String?
        @Option(name: .long, help: "Minutes the throughput is measured over.")
        var minutes: Double = 10
        @OptionGroup var output: JSONOption

        func validate() throws {
            guard minutes > 0, minutes.isFinite, minutes <= 10_080 else { throw ValidationError("--minutes must be in (0, 10080]") }
        }

        func run() throws {
            let opened = try store.openExisting()
            var items = try storeCall { try opened.renderItems() }
            if let settings { items = items.filter { $0.settingsHash.hasPrefix(settings.lowercased()) } }
            let now = Date()
            let status = RenderQueueStatus(items: items, at: now, windowMinutes: minutes)
            if output.json { return try printJSON(status) }
            let queues = Set(items.map(\.settingsHash)).count
            print("render queue (\(queues) setting\(queues == 1 ? "" : "s")): \(status.waiting) waiting"
                  + (status.expired > 0 ? " (\(status.expired) with an expired lease)" : "")
                  + ", \(status.leased) leased, \(status.done) done, \(status.failed) failed")
            for lease in status.leases {
                print("  item \(lease.itemID) (annotation \(lease.annotationID) r\(lease.revision)) leased by \(TerminalText.sanitize(lease.worker))"
                      + " since \(Self.clock(lease.since)), until \(Self.clock(lease.expiresAt))")
            }
            if !status.workers.isEmpty { print("workers:") }
            for worker in status.workers {
                let holding = worker.holding.isEmpty ? "idle or gone" : "rendering item \(worker.holding.map(String.init).joined(separator: ", "))"
                print("  \(TerminalText.sanitize(worker.name)): \(worker.done) done, \(worker.failed) failed, \(holding), last seen \(Self.clock(worker.lastSeen))")
            }
            print(String(format: "throughput: %d done in the last %.3g min of work (%.2f per minute)", status.doneInWindow, status.workedMinutes, status.itemsPerMinute)
                  + (status.estimatedFinish.map { "; estimated finish \(Self.clock($0)) (in \(RenderCommand.Run.duration($0.timeIntervalSince(now))))" }
                     ?? (status.waiting + status.leased > 0 ? "; no estimate until a pair is done" : "")))
            for failure in status.failures {
                print("  failed: item \(failure.itemID) (annotation \(failure.annotationID)): \(TerminalText.excerpt(TerminalText.strip(failure.error, keepNewlines: false), maxBytes: 300))")
            }
        }

        static func clock(_ date: Date) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: date)
        }
    }
}
