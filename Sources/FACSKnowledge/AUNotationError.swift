/// A written AU that is not FACS notation.
public struct AUNotationError: Error, CustomStringConvertible, Equatable {
    public let written: String
    public var description: String { "'\(written)' is not FACS notation (e.g. 6C, R12A, 25)" }
}
