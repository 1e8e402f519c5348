import ArgumentParser
import Foundation
import SafeText
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

    func validate() throws {
        if status == .conflict || status == .failed {
            throw ValidationError("--status \(status.rawValue) is a review list (tbd review list --status \(status.rawValue)); export pending, approved, rejected or any")
        }
    }

    func run() throws {
        let exporter = ReviewExporter(store: try store.openExisting())
        let path = out ?? Self.defaultPath(database: store.path, format: format)
        // Stored text (a model id, a prompt) may hold escape codes: a terminal gets it made inert, a file or a pipe
        // gets it exactly as stored.
        let toTerminal = path == "-" && isatty(STDOUT_FILENO) == 1
        let summary = try storeCall {
            try exporter.export(status: status.status, format: format, unit: per, to: path,
                                transform: toTerminal ? Self.terminalSafe : { $0 })
        }
        if path == "-" { return }
        if output.json { return try printJSON(summary) }
        print("wrote \(summary.records) \(format.rawValue) records (\(summary.annotations) annotations, per \(per.rawValue)) to \(summary.path)")
    }

    /// Beside the store, not under the working folder: the export belongs to the project it came from.
    static func defaultPath(database: String, format: ExportFormat) -> String {
        StoreLocation.folder(of: database)
            .appendingPathComponent("out").appendingPathComponent("review-export.\(format.rawValue)").path
    }

    /// Each line made inert for a terminal; the line ends (LF or CRLF) are kept as they are.
    static func terminalSafe(_ data: Data) -> Data {
        var output = Data()
        for (index, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if index > 0 { output.append(0x0A) }
            let crlf = line.last == 0x0D
            output.append(Data(TerminalText.sanitize(String(decoding: crlf ? line.dropLast() : line, as: UTF8.self)).utf8))
            if crlf { output.append(0x0D) }
        }
        return output
    }
}
