import ArgumentParser
import Evaluation
import FileAccess
import Foundation
import MediaIO
import SafeText

extension EvalCommand {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two evaluations metric by metric, with their bootstrap intervals.",
            discussion: """
                A and B are JSON files of `eval set`, `eval renders` or `eval ablation` (their --json output, or \
                table2.json). Groups are matched by label (`set`, `MEAD / MODEL`, a Table 2 row, ...). Each line gives \
                both means with their 95 % intervals, B - A, which is better by the metric's direction, and whether \
                the difference is larger than the intervals (they do not overlap).
                """)

        @Argument(help: "The first evaluation (JSON).")
        var a: String
        @Argument(help: "The second evaluation (JSON).")
        var b: String
        @Option(name: .long, help: "Also draw the comparison as a PNG to this file.")
        var out: String?
        @OptionGroup var output: JSONOption

        func run() throws {
            let comparison = try EvaluationComparison(a: a, b: b)
            if let out { try OutputFile.write(try ImageEncoding.png(comparison.chart()), to: out) }
            if output.json { return try printJSON(comparison) }
            print("A: \(a)\nB: \(b)")
            // Group labels come from the files: shown inert.
            comparison.lines.forEach { print(TerminalText.sanitize($0)) }
            if !comparison.onlyInA.isEmpty { print(TerminalText.sanitize("only in A: \(comparison.onlyInA.joined(separator: ", "))")) }
            if !comparison.onlyInB.isEmpty { print(TerminalText.sanitize("only in B: \(comparison.onlyInB.joined(separator: ", "))")) }
            if let out { print("plot: \(out)") }
        }
    }
}
