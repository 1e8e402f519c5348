import Foundation

/// Why a metric could not be computed: said plainly, naming the file or the clip, never a silent skip.
public struct EvaluationError: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
