/// The paper's Table 1 from the store's renders: one block per dataset (MEAD, HDTF, then any other), one row per
/// model in it, then the same clips by emotion and by level; and the renders that could not be scored, each with
/// its reason.
public struct RenderTable: Sendable, Encodable {
    /// One scored render.
    public struct Entry: Sendable {
        public let renderID: Int64
        /// The batch unit's dataset: "mead", "hdtf" or "manifest".
        public let dataset: String
        public let model: String
        public let emotion: String
        public let level: Int
        public let evaluation: ClipEvaluation

        public init(renderID: Int64, dataset: String, model: String, emotion: String, level: Int, evaluation: ClipEvaluation) {
            (self.renderID, self.dataset, self.model, self.emotion, self.level, self.evaluation) = (renderID, dataset, model, emotion, level, evaluation)
        }
    }

    /// A render left out, and why (no ground-truth clip, files gone, not finished, a clip that cannot be scored).
    public struct Skip: Sendable, Encodable, Equatable {
        public let renderID: Int64
        public let reason: String

        public init(renderID: Int64, reason: String) {
            (self.renderID, self.reason) = (renderID, reason)
        }
    }

    public struct Block: Sendable, Encodable {
        public let dataset: String
        public let models: [MetricSummary]
        public let emotions: [MetricSummary]
        public let levels: [MetricSummary]
    }

    /// Table 1's own columns, in its order.
    public static let columns: [EvaluationMetric] = [.psnr, .ssim, .fid, .cpbd, .syncnet]
    public static let datasetOrder = ["mead", "hdtf"]

    public let metrics: [EvaluationMetric]
    public let blocks: [Block]
    /// Every group of every block, labelled "MEAD", "MEAD / MODEL", "MEAD / emotion happy", "MEAD / level 1 (mild)": what `eval compare` reads.
    public let summaries: [MetricSummary]
    public let skipped: [Skip]
    /// Renders scored in this run, and renders whose scores came from the cache.
    public let evaluated: Int
    public let cached: Int

    public init(entries: [Entry], skipped: [Skip], metrics: [EvaluationMetric], evaluated: Int, cached: Int) throws {
        let datasets = Set(entries.map(\.dataset)).sorted {
            (Self.datasetOrder.firstIndex(of: $0) ?? Self.datasetOrder.count, $0) < (Self.datasetOrder.firstIndex(of: $1) ?? Self.datasetOrder.count, $1)
        }
        var blocks: [Block] = []
        var summaries: [MetricSummary] = []
        for dataset in datasets {
            let inside = entries.filter { $0.dataset == dataset }
            let name = dataset.uppercased()
            func group<Key: Comparable & Hashable>(_ key: (Entry) -> Key, label: (Key) -> String) throws -> [MetricSummary] {
                try Set(inside.map(key)).sorted().map { value in
                    try MetricSummary.summarize(label: label(value), clips: inside.filter { key($0) == value }.map(\.evaluation), metrics: metrics)
                }
            }
            let block = Block(
                dataset: dataset,
                models: try group(\.model) { $0 },
                emotions: try group(\.emotion) { $0 },
                levels: try group(\.level) { Self.levelName($0) })
            blocks.append(block)
            summaries.append(try MetricSummary.summarize(label: name, clips: inside.map(\.evaluation), metrics: metrics))
            summaries += block.models.map { $0.relabelled("\(name) / \($0.label)") }
                + block.emotions.map { $0.relabelled("\(name) / emotion \($0.label)") }
                + block.levels.map { $0.relabelled("\(name) / level \($0.label)") }
        }
        self.metrics = metrics
        self.blocks = blocks
        self.summaries = summaries
        self.skipped = skipped.sorted { $0.renderID < $1.renderID }
        self.evaluated = evaluated
        self.cached = cached
    }

    /// MEAD's level words, as the paper writes them.
    public static func levelName(_ level: Int) -> String {
        switch level {
        case 1: "1 (mild)"
        case 2: "2 (moderate)"
        case 3: "3 (intense)"
        default: String(level)
        }
    }

    private enum CodingKeys: String, CodingKey { case metrics, blocks, summaries, skipped, evaluated, cached }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(metrics.map(\.rawValue), forKey: .metrics)
        try container.encode(blocks, forKey: .blocks)
        try container.encode(summaries, forKey: .summaries)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(evaluated, forKey: .evaluated)
        try container.encode(cached, forKey: .cached)
    }
}

/// `tbd eval renders --report`: Table 1's layout as Markdown.
public enum RenderTableMarkdown {
    public static func render(_ table: RenderTable) -> String {
        var markdown = SummaryTableMarkdown(columns: RenderTable.columns, asked: table.metrics)
        let scored = table.blocks.reduce(0) { $0 + $1.models.reduce(0) { $0 + $1.clips } }
        var lines = [
            "# Table 1: renders against their ground truth", "",
            "\(scored) render\(scored == 1 ? "" : "s") scored (\(table.evaluated) in this run, \(table.cached) from the cache), "
                + "\(table.skipped.count) skipped. Each cell is the mean over clips with its 95 % percentile-bootstrap interval "
                + "over clips (\(BootstrapInterval.resamples) resamples, seed \(BootstrapInterval.seed)); FID is the group's own, "
                + "over every paired frame.",
        ]
        for block in table.blocks {
            let name = block.dataset.uppercased()
            lines += ["", "## \(name)", ""]
            lines += markdown.table(leading: ["model"], rows: block.models.map { ([$0.label], $0) })
            lines += ["", "By emotion:", ""]
            lines += markdown.table(leading: ["emotion"], rows: block.emotions.map { ([$0.label], $0) })
            lines += ["", "By level:", ""]
            lines += markdown.table(leading: ["level"], rows: block.levels.map { ([$0.label], $0) })
        }
        if table.blocks.isEmpty { lines += ["", "No render could be scored."] }
        if !table.skipped.isEmpty {
            lines += ["", "## Skipped", "", "| render | reason |", "|---|---|"]
            lines += table.skipped.map { "| \($0.renderID) | \(SummaryTableMarkdown.escaped($0.reason)) |" }
        }
        if !markdown.notes.isEmpty { lines += ["", "## Notes", ""] + markdown.noteLines }
        return lines.joined(separator: "\n") + "\n"
    }
}
