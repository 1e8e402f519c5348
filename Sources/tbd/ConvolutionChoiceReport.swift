import Foundation
import Tensors

/// The 3x3 convolutions' measured choices (`ConvolutionChoice`) as lines for the benchmarks' text output: which
/// shapes took Winograd and both times of each shape's first call.
enum ConvolutionChoiceReport {
    static func lines() -> [String] {
        let measurements = ConvolutionChoice.measurements
        guard !measurements.isEmpty else { return [] }
        return ["3x3 convolutions, first call of each shape (images x channels x height x width -> outputs): direct, Winograd, kept"]
            + measurements.map { m in
                "  \(m.shape): \(String(format: "%.2f", m.direct * 1000)) ms, \(String(format: "%.2f", m.winograd * 1000)) ms, \(m.chosen.rawValue)"
            }
    }
}
