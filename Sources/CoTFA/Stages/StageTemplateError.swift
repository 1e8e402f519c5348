import Foundation

public struct StageTemplateError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = "prompt template " + description }
}
