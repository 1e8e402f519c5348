import ArgumentParser
import Foundation
import Store

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export reviewed annotations as JSONL or CSV, one record per clip or per subject (atomic file write).")

    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: "Which annotations: pending, approved, rejected or any.") var status: StatusChoice = .approved
    @Option(name: .long, help: "jsonl or csv.") var format: ExportFormat = .jsonl
    @Option(name: .long, help: "clip (one record per linked clip, else the subject) or subject.") var per: ExportUnit = .clip
    @Option(name: .long, help: "Output file (default: out/review-export.<format> beside the database); '-' writes to stdout.")
    var out: String?
    @OptionGroup var output: JSONOption

    func run() throws {
        let exporter = ReviewExporter(store: try store.openExisting())
        let path = out ?? Self.defaultPath(database: store.path, format: format)
        if path == "-" {
            try storeCall { try exporter.write(status: status.status, format: format, unit: per) { FileHandle.standardOutput.write($0) } }
            return
        }
        let summary = try storeCall { try exporter.export(status: status.status, format: format, unit: per, to: path) }
        if output.json { return try printJSON(summary) }
        print("wrote \(summary.records) \(format.rawValue) records (\(summary.annotations) annotations, per \(per.rawValue)) to \(summary.path)")
    }

    /// Beside the store, not under the working folder: the export belongs to the project it came from.
    static func defaultPath(database: String, format: ExportFormat) -> String {
        URL(fileURLWithPath: database).deletingLastPathComponent()
            .appendingPathComponent("out").appendingPathComponent("review-export.\(format.rawValue)").path
    }
}
