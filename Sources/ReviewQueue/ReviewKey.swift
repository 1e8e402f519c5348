import Store
import Foundation

/// A key press as the review screen understands it.
public enum ReviewKey: Equatable, Sendable {
    case character(Character)
    case enter, escape, backspace, up, down, pageUp, pageDown, interrupt, clearLine

    /// Splits raw terminal input into keys. Unknown escape sequences are dropped whole; a lone ESC is Escape.
    public static func decode(_ bytes: [UInt8]) -> [ReviewKey] {
        var keys: [ReviewKey] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x1B:
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "[") || bytes[index + 1] == UInt8(ascii: "O") {
                    var end = index + 2
                    while end < bytes.count, !(0x40...0x7E).contains(bytes[end]) { end += 1 }
                    let sequence = bytes[(index + 2)...min(end, bytes.count - 1)]
                    switch Array(sequence) {
                    case [UInt8(ascii: "A")]: keys.append(.up)
                    case [UInt8(ascii: "B")]: keys.append(.down)
                    case [UInt8(ascii: "5"), UInt8(ascii: "~")]: keys.append(.pageUp)
                    case [UInt8(ascii: "6"), UInt8(ascii: "~")]: keys.append(.pageDown)
                    default: break
                    }
                    index = end + 1
                } else {
                    keys.append(.escape)
                    index += 1
                }
            case 0x0D, 0x0A:
                keys.append(.enter)
                index += 1
            case 0x7F, 0x08:
                keys.append(.backspace)
                index += 1
            case 0x03, 0x04:
                keys.append(.interrupt)
                index += 1
            case 0x15:
                keys.append(.clearLine)
                index += 1
            case 0x00..<0x20:
                index += 1
            default:
                // A UTF-8 sequence: its length comes from the lead byte.
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                let end = min(index + length, bytes.count)
                if let text = String(bytes: bytes[index..<end], encoding: .utf8), let character = text.first {
                    keys.append(.character(character))
                }
                index = end
            }
        }
        return keys
    }
}
