import Foundation
import MediaIO

/// `tbd eval compare A.json B.json`: two evaluations side by side, group by group and metric by metric. An
/// evaluation is the JSON of `eval set` (one group, "set"), `eval renders` or `eval ablation` (their `summaries`).
/// A difference counts as larger than the intervals when the two 95 % bootstrap intervals do not overlap.
public struct EvaluationComparison: Sendable, Encodable {
    /// One group of one evaluation: its label, clip count, means and intervals.
    public struct Group: Sendable {
        public let label: String
        public let clips: Int?
        public let means: [EvaluationMetric: Double]
        public let intervals: [EvaluationMetric: BootstrapInterval]
    }

    public struct Difference: Sendable, Encodable {
        public let group: String
        public let metric: EvaluationMetric
        public let a: Double
        public let b: Double
        /// b − a.
        public let difference: Double
        public let intervalA: BootstrapInterval?
        public let intervalB: BootstrapInterval?
        /// True when the intervals do not overlap, false when they do, nil when either is missing (FID, an infinite value).
        public let beyondIntervals: Bool?
        /// Whether B is the better of the two by the metric's direction (nil when equal).
        public let bBetter: Bool?
    }

    public let a: String
    public let b: String
    public let differences: [Difference]
    /// Groups found in only one of the two files.
    public let onlyInA: [String]
    public let onlyInB: [String]

    /// An evaluation file is JSON of at most this size: far above any report, and read whole.
    public static let fileByteLimit = 64 << 20

    public init(a: String, b: String) throws {
        let groupsA = try Self.groups(in: a)
        let groupsB = try Self.groups(in: b)
        self.a = a
        self.b = b
        var differences: [Difference] = []
        for group in groupsA {
            guard let other = groupsB.first(where: { $0.label == group.label }) else { continue }
            for metric in EvaluationMetric.allCases {
                guard let valueA = group.means[metric], let valueB = other.means[metric] else { continue }
                let (intervalA, intervalB) = (group.intervals[metric], other.intervals[metric])
                let beyond: Bool? = if let intervalA, let intervalB {
                    intervalA.upper < intervalB.lower || intervalB.upper < intervalA.lower
                } else { nil }
                differences.append(Difference(
                    group: group.label, metric: metric, a: valueA, b: valueB, difference: valueB - valueA, intervalA: intervalA,
                    intervalB: intervalB, beyondIntervals: beyond,
                    bBetter: valueA == valueB ? nil : (valueB > valueA) == metric.higherIsBetter))
            }
        }
        let labelsA = Set(groupsA.map(\.label)), labelsB = Set(groupsB.map(\.label))
        guard !differences.isEmpty else {
            throw EvaluationError("\(a) and \(b) share no group with a metric value in both (groups: \(labelsA.sorted().joined(separator: ", ")); \(labelsB.sorted().joined(separator: ", ")))")
        }
        self.differences = differences
        onlyInA = groupsA.map(\.label).filter { !labelsB.contains($0) }
        onlyInB = groupsB.map(\.label).filter { !labelsA.contains($0) }
    }

    /// The groups of one evaluation file; a file that is none of the three shapes is refused, naming it.
    public static func groups(in path: String) throws -> [Group] {
        let url = URL(fileURLWithPath: path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
        guard let size else { throw EvaluationError("\(path): no such file") }
        guard size <= fileByteLimit else { throw EvaluationError("\(path): \(size) bytes is too large for an evaluation (at most \(fileByteLimit))") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: try Data(contentsOf: url)) } catch {
            throw EvaluationError("\(path): not JSON (\(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else { throw EvaluationError("\(path): not an evaluation (a JSON object is expected)") }
        if let summaries = root["summaries"] as? [[String: Any]] {
            return try summaries.map { try group($0, label: $0["label"] as? String, path: path) }
        }
        if root["means"] is [String: Any] { return [try group(root, label: "set", path: path)] }
        throw EvaluationError("\(path): not an evaluation of `tbd eval set`, `eval renders` or `eval ablation` (no \"summaries\" or \"means\")")
    }

    private static func group(_ object: [String: Any], label: String?, path: String) throws -> Group {
        guard let label, let means = object["means"] as? [String: Any] else {
            throw EvaluationError("\(path): a group without a label or means")
        }
        let infinite = Set(object["infinite_metrics"] as? [String] ?? [])
        var values: [EvaluationMetric: Double] = [:]
        var intervals: [EvaluationMetric: BootstrapInterval] = [:]
        for (name, value) in means {
            guard let metric = EvaluationMetric(rawValue: name) else { continue }
            if let number = value as? Double, number.isFinite {
                values[metric] = number
            } else if infinite.contains(name) {
                values[metric] = .infinity
            }
            if let bounds = (object["intervals"] as? [String: Any])?[name] as? [Double], bounds.count == 2, bounds[0] <= bounds[1] {
                intervals[metric] = BootstrapInterval(lower: bounds[0], upper: bounds[1])
            }
        }
        return Group(label: label, clips: object["clips"] as? Int, means: values, intervals: intervals)
    }

    /// One line per difference: "GROUP metric: A → B (difference), larger than the intervals / within them".
    public var lines: [String] {
        differences.map { item in
            func value(_ number: Double, _ interval: BootstrapInterval?) -> String {
                SetEvaluationMarkdown.format(number, item.metric)
                    + (interval.map { " [\(SetEvaluationMarkdown.format($0.lower, item.metric)), \(SetEvaluationMarkdown.format($0.upper, item.metric))]" } ?? "")
            }
            let verdict = switch item.beyondIntervals {
            case true?: "larger than the intervals"
            case false?: "within the intervals"
            case nil: "no interval to compare with"
            }
            let better = item.bBetter.map { $0 ? "B better" : "A better" } ?? "equal"
            let sign = item.difference > 0 ? "+" : ""
            return "\(item.group) \(item.metric.rawValue): A \(value(item.a, item.intervalA)), B \(value(item.b, item.intervalB)), "
                + "B - A \(sign)\(SetEvaluationMarkdown.format(item.difference, item.metric)) (\(better); \(verdict))"
        }
    }

    /// One row per difference: A's interval and mean in blue above B's in orange, on a scale of its own spanning
    /// both; the row is labelled with its group and metric, and marked with a red bar when the difference is
    /// larger than the intervals.
    public func chart() -> RGBImage {
        let margin = 16, rowHeight = 2 * ChartCanvas.lineHeight + 22, labelWidth = min(360, (differences.map {
            ChartCanvas.textWidth("\($0.group) \($0.metric.rawValue)")
        }.max() ?? 0) + 12)
        let plotWidth = 360
        let legendTop = 12 + ChartCanvas.lineHeight + 8
        let top = legendTop + ChartCanvas.lineHeight + 14
        var canvas = ChartCanvas(width: 2 * margin + labelWidth + plotWidth + 12, height: top + differences.count * rowHeight + margin)
        canvas.text("EVAL COMPARE: A (BLUE) AND B (ORANGE), 95 PERCENT INTERVALS", x: margin, y: 12)
        canvas.fill(margin, legendTop, margin + 10, legendTop + ChartCanvas.lineHeight - 1, (214, 39, 40))
        canvas.text("DIFFERENCE LARGER THAN THE INTERVALS", x: margin + 16, y: legendTop)
        let (blue, orange) = (ChartCanvas.palette[0], ChartCanvas.palette[1])
        for (index, item) in differences.enumerated() {
            let y = top + index * rowHeight
            canvas.fill(margin, y + rowHeight - 4, margin + labelWidth + plotWidth, y + rowHeight - 4, ChartCanvas.grid)
            if item.beyondIntervals == true { canvas.fill(margin, y, margin + 5, y + 2 * ChartCanvas.lineHeight + 8, (214, 39, 40)) }
            canvas.text("\(item.group) \(item.metric.rawValue)", x: margin + 10, y: y + 4)
            let spans = [(item.a, item.intervalA), (item.b, item.intervalB)].map { value, interval in
                (lower: interval?.lower ?? value, value: value, upper: interval?.upper ?? value)
            }
            let finite = spans.flatMap { [$0.lower, $0.upper] }.filter(\.isFinite)
            let (low, high) = (finite.min() ?? 0, finite.max() ?? 1)
            let left = margin + labelWidth
            func x(_ number: Double) -> Int {
                guard number.isFinite else { return left + plotWidth }
                return left + (high > low ? Int(((number - low) / (high - low) * Double(plotWidth - 1)).rounded()) : plotWidth / 2)
            }
            for (side, span) in spans.enumerated() {
                let lineY = y + 6 + side * (ChartCanvas.lineHeight + 6)
                let colour = side == 0 ? blue : orange
                canvas.fill(x(span.lower), lineY + 3, x(span.upper), lineY + 5, colour)
                canvas.fill(x(span.value) - 3, lineY, x(span.value) + 3, lineY + 8, colour)
            }
        }
        return canvas.image
    }
}
