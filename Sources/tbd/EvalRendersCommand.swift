import ArgumentParser
import Evaluation
import EvaluationJobs
import FileAccess
import Foundation
import SafeText
import Store

extension EvalCommand {
    struct Renders: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score every render of the store against its batch unit's ground-truth clip, as the paper's Table 1.",
            discussion: """
                A render is compared with the clip of its unit that its reference frame came from (else the one whose \
                speech drove it), frames paired and resized as `eval video` does. Renders that are not finished, belong \
                to no batch unit, or whose files are gone are listed as skipped with the reason. Scores are kept in a \
                cache keyed on the content hashes of the render and its ground truth and on the metric set, so a rerun \
                scores only what changed, and an interrupted run keeps what it scored.
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var metrics: MetricsOption
        @Option(name: .long, help: "The cache of scores (default: eval-cache/ beside the database).")
        var cache: String?
        @Option(name: .long, help: "Also write Table 1 as Markdown to this file.")
        var report: String?
        @OptionGroup var output: JSONOption

        func run() throws {
            let chosen = try metrics.chosen()
            let store = try self.store.openExisting()
            let folder = cache.map { URL(fileURLWithPath: $0) }
                ?? URL(fileURLWithPath: self.store.path).deletingLastPathComponent().appendingPathComponent("eval-cache")
            // Each score is kept as it finishes, so Ctrl-C loses at most the clip being scored.
            InterruptFlag.exitOnInterrupt(saying: "the scores finished so far are kept in \(folder.path); run the same command again to go on")
            let job = RenderEvaluationJob(store: store, metrics: chosen, networks: try metrics.networks(for: chosen),
                                          cache: EvaluationCache(folder: folder))
            let table = try job.run { EvalProgressLine.show($0) }
            if let report { try OutputFile.write(Data(RenderTableMarkdown.render(table).utf8), to: report) }
            if output.json { return try printJSON(table) }
            // Labels, reasons and paths come from the store: shown inert.
            print(TerminalText.sanitize(RenderTableMarkdown.render(table), keepNewlines: true), terminator: "")
            if let report { print("report: \(report)") }
        }
    }
}
