import ArgumentParser
import Foundation
import Store

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export reviewed annotations as JSONL or CSV, one record per clip or per subject (atomic file write).")

    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: "pending, approved, rejected or any.") var status: String = "approved"
    @Option(name: .long, help: "jsonl or csv.") var format: String
    @Option(name: .long, help: "clip (one record per linked clip, else the subject) or subject.") var per: String = "clip"
    @Option(name: .long, help: "Output file (default data/out/review-export.<format>); '-' writes to stdout.") var out: String?
    @OptionGroup var output: JSONOption

    func run() throws {
        guard let format = ExportFormat(rawValue: format.lowercased()) else { throw CLIError("--format must be jsonl or csv") }
        guard let unit = ExportUnit(rawValue: per.lowercased()) else { throw CLIError("--per must be clip or subject") }
        var statusFilter: ReviewStatus?
        if status != "any" {
            guard let parsed = ReviewStatus(rawValue: status.lowercased()) else { throw CLIError("--status must be pending, approved, rejected or any") }
            statusFilter = parsed
        }
        let exporter = ReviewExporter(store: try store.open())
        let path = out ?? "data/out/review-export.\(format.rawValue)"
        if path == "-" {
            try storeCall { try exporter.write(status: statusFilter, format: format, unit: unit) { FileHandle.standardOutput.write($0) } }
            return
        }
        let summary = try storeCall { try exporter.export(status: statusFilter, format: format, unit: unit, to: path) }
        if output.json { return try printJSON(summary) }
        print("wrote \(summary.records) \(format.rawValue) records (\(summary.annotations) annotations, per \(unit.rawValue)) to \(summary.path)")
    }
}
