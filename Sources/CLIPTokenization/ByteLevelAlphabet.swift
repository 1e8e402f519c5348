/// GPT-2's reversible map from bytes to printable characters, which CLIP's BPE works over: printable Latin-1
/// bytes stand for themselves, the other 68 bytes take the code points from 256 upward, in byte order.
enum ByteLevelAlphabet {
    static let characters: [Character] = {
        var table = [Character](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if printable(byte) {
                table[byte] = Character(Unicode.Scalar(UInt32(byte))!)
            } else {
                table[byte] = Character(Unicode.Scalar(next)!)
                next += 1
            }
        }
        return table
    }()

    static let bytes: [Character: UInt8] = {
        Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($0.element, UInt8($0.offset)) })
    }()

    /// The 256 characters in the order OpenAI's `bytes_to_unicode()` lists them: printable bytes first.
    static var vocabularyOrder: [Character] {
        let printableBytes = (0..<256).filter(printable)
        let others = (0..<256).filter { !printable($0) }
        return (printableBytes + others).map { characters[$0] }
    }

    private static func printable(_ byte: Int) -> Bool {
        (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
    }
}
