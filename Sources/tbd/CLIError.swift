/// A user-facing failure: printed to stderr as "Error: ..." with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
