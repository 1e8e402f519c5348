import MediaIO

/// The paper's Table 2: the same units rendered with prompts from each annotation mode (label, describe, cot),
/// with progressive guidance on and off, each row scored against the units' ground truth.
public struct AblationTable: Sendable, Encodable {
    /// One of the six configurations.
    public struct Row: Sendable, Equatable, Hashable, Encodable {
        /// The annotation mode the prompts come from: "label", "describe" or "cot".
        public let mode: String
        /// On: the condition moves from the coarse to the fine prompt; off: the fine prompt alone at every step.
        public let progressive: Bool

        public init(mode: String, progressive: Bool) {
            (self.mode, self.progressive) = (mode, progressive)
        }

        public var label: String { "\(mode), progressive guidance \(progressive ? "on" : "off")" }

        /// Table 2's order: each mode without and then with progressive guidance, the full method last.
        public static let all: [Row] = ["label", "describe", "cot"].flatMap { [Row(mode: $0, progressive: false), Row(mode: $0, progressive: true)] }
    }

    /// One unit's clip in one row.
    public struct Clip: Sendable, Encodable {
        public let unit: String
        public let row: Row
        public let coarsePrompt: String
        public let finePrompt: String
        /// Where the prompts came from: "store annotation #ID" or the reasoner that wrote them.
        public let promptSource: String
        public let video: String
        public let groundTruth: String
        public let evaluation: ClipEvaluation

        public init(unit: String, row: Row, coarsePrompt: String, finePrompt: String, promptSource: String, video: String,
                    groundTruth: String, evaluation: ClipEvaluation) {
            (self.unit, self.row, self.coarsePrompt, self.finePrompt, self.promptSource) = (unit, row, coarsePrompt, finePrompt, promptSource)
            (self.video, self.groundTruth, self.evaluation) = (video, groundTruth, evaluation)
        }
    }

    /// Table 2's own columns, in its order.
    public static let columns: [EvaluationMetric] = [.fid, .fvd, .lpips, .syncnet]

    public let units: [String]
    public let metrics: [EvaluationMetric]
    /// What every row shares: model, steps, seed and the rest, as "name: value" lines.
    public let settings: [String]
    /// One summary per row, in `Row.all`'s order, labelled with the row's label.
    public let summaries: [MetricSummary]
    public let clips: [Clip]
    public let evaluated: Int
    public let cached: Int

    public init(units: [String], metrics: [EvaluationMetric], settings: [String], clips: [Clip], evaluated: Int, cached: Int) throws {
        self.units = units
        self.metrics = metrics
        self.settings = settings
        self.clips = clips
        summaries = try Row.all.map { row in
            try MetricSummary.summarize(label: row.label, clips: clips.filter { $0.row == row }.map(\.evaluation), metrics: metrics)
        }
        self.evaluated = evaluated
        self.cached = cached
    }

    /// The chart's series: every column with a value in some row (Table 2's first).
    public var chartMetrics: [EvaluationMetric] {
        SummaryTableMarkdown(columns: Self.columns, asked: metrics).columns.filter { metric in summaries.contains { $0.means[metric] != nil } }
    }

    public func chart() -> RGBImage {
        let metrics = chartMetrics
        return MetricBarChart.draw(
            title: "TABLE 2: \(units.count) UNIT\(units.count == 1 ? "" : "S"), MEANS OVER CLIPS",
            rows: Row.all.map { "\($0.mode.uppercased()), PG \($0.progressive ? "ON" : "OFF")" },
            metrics: metrics, values: summaries.map { summary in metrics.map { summary.means[$0] } })
    }

    private enum CodingKeys: String, CodingKey { case units, metrics, settings, rows, summaries, clips, evaluated, cached }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(units, forKey: .units)
        try container.encode(metrics.map(\.rawValue), forKey: .metrics)
        try container.encode(settings, forKey: .settings)
        try container.encode(Row.all, forKey: .rows)
        try container.encode(summaries, forKey: .summaries)
        try container.encode(clips, forKey: .clips)
        try container.encode(evaluated, forKey: .evaluated)
        try container.encode(cached, forKey: .cached)
    }
}

/// `table2.md`: Table 2's layout, then the prompts each unit was rendered with.
public enum AblationTableMarkdown {
    public static func render(_ table: AblationTable) -> String {
        var markdown = SummaryTableMarkdown(columns: AblationTable.columns, asked: table.metrics)
        var lines = [
            "# Table 2: annotation mode and progressive guidance", "",
            "Units: " + table.units.map { "`\($0)`" }.joined(separator: ", ") + ". "
                + "\(table.clips.count) clips (\(table.evaluated) scored in this run, \(table.cached) from the cache). Each cell is the "
                + "mean over the units with its 95 % percentile-bootstrap interval over them; FID is the row's own, over every paired frame. "
                + "Progressive guidance off conditions every step on the fine prompt alone.", "",
        ]
        lines += table.settings.map { "- \($0)" } + [""]
        lines += markdown.table(
            leading: ["prompts", "progressive guidance"],
            rows: zip(AblationTable.Row.all, table.summaries).map { ([$0.mode, $0.progressive ? "on" : "off"], $1) })
        lines += ["", "## Prompts", "", "| unit | mode | source | coarse | fine |", "|---|---|---|---|---|"]
        for clip in table.clips where clip.row.progressive {
            lines.append("| \(SummaryTableMarkdown.escaped(clip.unit)) | \(clip.row.mode) | \(SummaryTableMarkdown.escaped(clip.promptSource)) | "
                         + "\(SummaryTableMarkdown.escaped(clip.coarsePrompt)) | \(SummaryTableMarkdown.escaped(clip.finePrompt)) |")
        }
        if !markdown.notes.isEmpty { lines += ["", "## Notes", ""] + markdown.noteLines }
        return lines.joined(separator: "\n") + "\n"
    }
}
