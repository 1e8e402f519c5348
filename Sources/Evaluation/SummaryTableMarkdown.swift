/// Markdown tables of `MetricSummary` rows with a fixed set of metric columns: each cell the mean with its 95 %
/// interval, or `n/a` with a numbered note saying why (not asked for, or not computable for that group). The notes are shared by every table of one report, so each reason is written once.
public struct SummaryTableMarkdown {
    public let columns: [EvaluationMetric]
    public let asked: [EvaluationMetric]
    public private(set) var notes: [String] = []

    /// COLUMNS first (a paper table's own), then any metric of ASKED that they leave out.
    public init(columns: [EvaluationMetric], asked: [EvaluationMetric]) {
        self.columns = columns + asked.filter { !columns.contains($0) }
        self.asked = asked
    }

    /// A table whose first columns are LEADING (their titles) and whose rows give those cells and a summary.
    public mutating func table(leading: [String], rows: [(cells: [String], summary: MetricSummary)]) -> [String] {
        var lines = ["| " + (leading + ["clips"] + columns.map(\.columnTitle)).joined(separator: " | ") + " |",
                     "|" + String(repeating: "---|", count: leading.count + 1 + columns.count)]
        for row in rows {
            let cells = row.cells.map(Self.escaped) + [String(row.summary.clips)] + columns.map { cell($0, row.summary) }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    /// The notes as a numbered list, for the end of the report.
    public var noteLines: [String] {
        notes.enumerated().map { "\($0.offset + 1). \($0.element)" }
    }

    private mutating func cell(_ metric: EvaluationMetric, _ summary: MetricSummary) -> String {
        if let value = summary.means[metric] {
            let interval = summary.intervals[metric].map {
                " [\(SetEvaluationMarkdown.format($0.lower, metric)), \(SetEvaluationMarkdown.format($0.upper, metric))]"
            } ?? ""
            return SetEvaluationMarkdown.format(value, metric) + interval
        }
        let reason = asked.contains(metric) ? "\(metric.rawValue): \(summary.missing[metric] ?? "no value")" : metric.absenceReason(asked: asked)
        return "n/a (\(note(reason)))"
    }

    private mutating func note(_ reason: String) -> Int {
        if let index = notes.firstIndex(of: reason) { return index + 1 }
        notes.append(reason)
        return notes.count
    }

    /// A label from the store or a path: pipes would split the cell and newlines the row.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
