/// A rough count of CLIP tokens for a prompt, shown against the text encoder's 77-token window until the
/// renderer's real tokenizer is wired in. It follows the tokenizer's split (letter runs, single digits, runs of
/// other symbols) and charges long words the extra pieces BPE usually cuts them into, plus start and end tokens.
public enum TokenEstimate {
    public static let budget = 77

    public static func estimate(_ text: String) -> Int {
        var count = 2
        var letters = 0
        var symbols = false
        func endWord() {
            if letters > 0 { count += letters <= 8 ? 1 : (letters + 5) / 6 }
            letters = 0
        }
        for scalar in text.lowercased().unicodeScalars {
            let properties = scalar.properties
            if properties.isAlphabetic {
                symbols = false
                letters += 1
            } else if properties.numericType != nil {
                endWord()
                symbols = false
                count += 1
            } else if properties.isWhitespace {
                endWord()
                symbols = false
            } else {
                endWord()
                if !symbols { count += 1 }
                symbols = true
            }
        }
        endWord()
        return count
    }
}
