import MediaIO

/// Table 2 as a picture: one panel per metric, one bar per row in the row's colour, each panel scaled to its own
/// largest value (the metrics' units differ), the value written above each bar, and a legend naming the rows.
/// A metric without a value in a row leaves its bar out and says N/A.
public enum MetricBarChart {
    static let (barWidth, barGap, panelGap, margin, plotHeight) = (22, 6, 36, 24, 200)
    static let titleHeight = 34

    /// VALUES[row][metric]: nil where the row has no value of that metric.
    public static func draw(title: String, rows: [String], metrics: [EvaluationMetric], values: [[Double?]]) -> RGBImage {
        let names = metrics.map { $0.rawValue.uppercased() + ($0.higherIsBetter ? " (HIGHER)" : " (LOWER)") }
        let panelWidth = max(rows.count * (barWidth + barGap) - barGap, names.map(ChartCanvas.textWidth).max() ?? 0)
        let legendRows = rows.count
        let width = max(2 * margin + metrics.count * (panelWidth + panelGap) - panelGap, ChartCanvas.textWidth(title) + 2 * margin, 320)
        // Bars stand on the baseline; under it the metric's name and its largest value, then the legend.
        let baseline = titleHeight + plotHeight + ChartCanvas.lineHeight + 4
        let legendTop = baseline + 2 * ChartCanvas.lineHeight + 20
        let height = legendTop + legendRows * (ChartCanvas.lineHeight + 6) + margin
        var canvas = ChartCanvas(width: width, height: height)
        canvas.text(title, x: margin, y: 10)
        for (column, metric) in metrics.enumerated() {
            let left = margin + column * (panelWidth + panelGap)
            canvas.fill(left - 2, baseline, left + panelWidth + 1, baseline, ChartCanvas.ink)
            let bars = values.map { $0[column] }
            let largest = bars.compactMap { $0.map(abs) }.filter(\.isFinite).max() ?? 0
            for (row, value) in bars.enumerated() {
                let x = left + row * (barWidth + barGap)
                guard let value, value.isFinite else {
                    canvas.text(value == nil ? "-" : "INF", x: x + 4, y: baseline - ChartCanvas.lineHeight - 2)
                    continue
                }
                let barHeight = largest > 0 ? Int((abs(value) / largest * Double(plotHeight)).rounded()) : 0
                if barHeight > 0 {
                    canvas.fill(x, baseline - barHeight, x + barWidth - 1, baseline - 1, ChartCanvas.palette[row % ChartCanvas.palette.count])
                }
            }
            canvas.text(names[column], x: left, y: baseline + 6)
            canvas.text("MAX " + SetEvaluationMarkdown.format(largest, metric), x: left, y: baseline + 8 + ChartCanvas.lineHeight)
        }
        for (row, label) in rows.enumerated() {
            let y = legendTop + row * (ChartCanvas.lineHeight + 6)
            canvas.fill(margin, y, margin + 13, y + ChartCanvas.lineHeight - 1, ChartCanvas.palette[row % ChartCanvas.palette.count])
            canvas.text(label, x: margin + 20, y: y)
        }
        return canvas.image
    }
}
