import Foundation

public enum CLIPTokenizerError: Error, Equatable, CustomStringConvertible {
    case invalidVocabulary(String)
    case invalidMerges(String)

    public var description: String {
        switch self {
        case .invalidVocabulary(let reason): return "invalid CLIP vocabulary: \(reason)"
        case .invalidMerges(let reason): return "invalid CLIP merges: \(reason)"
        }
    }
}
