import Foundation

/// Input the pipeline cannot work with (an unknown emotion, a missing image); nothing was sent.
public struct CoTFAInputError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
