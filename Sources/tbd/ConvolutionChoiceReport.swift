import Foundation
import Tensors

/// The 3x3 convolutions' measured choices (`ConvolutionChoice`) as lines for the benchmarks' text output: which
/// algorithm each shape kept and the candidates' times on its first call ("-" where the unfolded product was not
/// one). A layer whose shape kept Winograd runs the runner-up while its transformed weight does not fit the budget.
enum ConvolutionChoiceReport {
    static func lines() -> [String] {
        let measurements = ConvolutionChoice.measurements
        guard !measurements.isEmpty else { return [] }
        func milliseconds(_ seconds: Double?) -> String { seconds.map { String(format: "%.2f ms", $0 * 1000) } ?? "-" }
        return ["3x3 convolutions, first call of each shape (images x channels x height x width -> outputs): direct, Winograd, Winograd streamed, unfolded, kept"]
            + measurements.map { m in
                "  \(m.shape): \(milliseconds(m.direct)), \(milliseconds(m.winograd)), \(milliseconds(m.winogradStreamed)), "
                    + "\(milliseconds(m.unfolded)), \(m.chosen.rawValue)"
            } + [budgetLine()]
    }

    /// What Winograd's transformed weights hold against their budget (`TransformedWeightBudget`).
    static func budgetLine() -> String {
        let budget = TransformedWeightBudget.shared
        let megabytes = { (bytes: Int) in String(format: "%.0f MB", Double(bytes) / 1e6) }
        let limit = switch budget.limit {
        case .unlimited: "unlimited"
        case .weights(let multiple): "\(megabytes(budget.capacity)), \(multiple)x the Float32 weights loaded"
        case .bytes(let bytes): megabytes(bytes)
        }
        return "Winograd's transformed weights hold \(megabytes(budget.held)) of a budget of \(limit) (TBD_WINOGRAD_MEMORY)"
    }
}
