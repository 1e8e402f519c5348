import Foundation

/// The text cleanup and word split of transformers' `CLIPTokenizer` (5.x, backed by the tokenizers library).
///
/// Cleanup is NFC, every run of white space to one space, then lowercase. There is no ftfy pass and no HTML
/// unescaping (OpenAI's original tokenizer has both; transformers does not). The split follows the pattern
/// `<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`, tried in that order
/// at each position, with white space between matches dropped. The two special-token alternatives never
/// survive as words: the byte-level stage after the split re-splits them with GPT-2's pattern into "<|", the
/// letters and "|>", which is what scanning them as punctuation and letters gives, so they are not matched here.
/// (Special tokens written in the raw text are taken out before cleanup by `CLIPTokenizer`.)
enum CLIPPreTokenizer {
    static let specialWords = ["<|startoftext|>", "<|endoftext|>"]
    private static let contractions = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array(("'" + $0).unicodeScalars) }

    static func normalize(_ text: String) -> String {
        let composed = text.precomposedStringWithCanonicalMapping
        var collapsed = String.UnicodeScalarView()
        var inSpace = false
        for scalar in composed.unicodeScalars {
            if isSpace(scalar) {
                if !inSpace { collapsed.append(" ") }
                inSpace = true
            } else {
                collapsed.append(scalar)
                inSpace = false
            }
        }
        return lowercase(String(collapsed))
    }

    /// Lowercase scalar by scalar, as the tokenizers library's `Lowercase` normaliser does (full mappings, so
    /// "\u{130}" becomes two scalars, but no context rules: a final capital sigma becomes σ, not ς).
    static func lowercase(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        // Scalar by scalar: `append(contentsOf:)` on a growing view copies it on every call (quadratic).
        for scalar in text.unicodeScalars {
            for lower in scalar.properties.lowercaseMapping.unicodeScalars { output.append(lower) }
        }
        return String(output)
    }

    /// Splits normalised text into words.
    static func words(_ normalized: String) -> [String] {
        let scalars = Array(normalized.unicodeScalars)
        var words: [String] = []
        var position = 0
        func take(_ length: Int) {
            var word = String.UnicodeScalarView()
            word.append(contentsOf: scalars[position..<(position + length)])
            words.append(String(word))
            position += length
        }
        scan: while position < scalars.count {
            for pattern in contractions where matches(pattern, scalars, at: position) {
                take(pattern.count)
                continue scan
            }
            let scalar = scalars[position]
            if isSpace(scalar) {
                position += 1
            } else if isLetter(scalar) {
                var end = position + 1
                while end < scalars.count && isLetter(scalars[end]) { end += 1 }
                take(end - position)
            } else if isNumber(scalar) {
                take(1)
            } else {
                var end = position + 1
                while end < scalars.count && !isSpace(scalars[end]) && !isLetter(scalars[end]) && !isNumber(scalars[end]) { end += 1 }
                take(end - position)
            }
        }
        return words
    }

    private static func matches(_ pattern: [Unicode.Scalar], _ scalars: [Unicode.Scalar], at position: Int) -> Bool {
        guard position + pattern.count <= scalars.count else { return false }
        for offset in 0..<pattern.count where scalars[position + offset] != pattern[offset] { return false }
        return true
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }
}
