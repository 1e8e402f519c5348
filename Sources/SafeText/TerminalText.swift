/// Text from models and files is untrusted: before a terminal shows it, every control character is replaced and
/// every escape sequence (CSI, OSC including title and clipboard writes, DCS, SOS, PM, APC, and their C1 forms) is
/// turned into inert visible text, so a reply that tries to move the cursor or set the title reads as plain text.
public enum TerminalText {
    /// The visible stand-in for ESC and for a C1 control's ESC form.
    static let escapePicture: Character = "\u{241B}"

    /// Inert, printable text for a terminal to show: escape sequences and controls become visible stand-ins.
    /// Newlines survive only when `keepNewlines` is set; tabs become a space.
    public static func sanitize(_ text: String, keepNewlines: Bool = false) -> String {
        scan(text, keepNewlines: keepNewlines, showingEscapes: true)
    }

    /// The same text with every escape sequence and control removed instead of shown (tabs kept), for model
    /// output that becomes data: prompts, stage text, error messages.
    public static func strip(_ text: String, keepNewlines: Bool = true) -> String {
        scan(text, keepNewlines: keepNewlines, showingEscapes: false)
    }

    /// At most `maxBytes` bytes (UTF-8) of `text`, then "… (N bytes more)" when something was cut: how much of a
    /// text that may run to megabytes, such as a model's reply, an error message or a log line shows. Cut at a
    /// scalar boundary, so the excerpt is valid text; the work is bounded by `maxBytes`, not by the text.
    public static func excerpt(_ text: String, maxBytes: Int) -> String {
        let utf8 = text.utf8
        guard utf8.count > maxBytes else { return text }
        var end = utf8.index(utf8.startIndex, offsetBy: max(0, maxBytes))
        // UTF-8 continuation bytes (0b10xxxxxx) never start a scalar.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        let kept = utf8.distance(from: utf8.startIndex, to: end)
        return String(decoding: utf8[..<end], as: UTF8.self) + "… (\(utf8.count - kept) bytes more)"
    }

    private static func scan(_ text: String, keepNewlines: Bool, showingEscapes: Bool) -> String {
        var visible = String.UnicodeScalarView()
        var output = String.UnicodeScalarView()
        // Scalar by scalar: `UnicodeScalarView.append(contentsOf:)` copies the whole view on each call, which made
        // a 500 KB reply take seconds to strip.
        func append(_ scalars: String.UnicodeScalarView, to view: inout String.UnicodeScalarView) {
            for scalar in scalars { view.append(scalar) }
        }
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func picture(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
            switch scalar.value {
            case 0x00...0x1F: return Unicode.Scalar(0x2400 + scalar.value)!
            case 0x7F: return "\u{2421}"
            default: return scalar
            }
        }
        /// Copies a sequence's body as visible text up to its terminator, which is shown as a picture too.
        func copyStringBody(from start: Int) -> Int {
            var position = start
            while position < scalars.count {
                let scalar = scalars[position]
                if scalar.value == 0x07 || scalar.value == 0x9C {
                    visible.append(picture(scalar.value == 0x9C ? "\u{1B}" : scalar))
                    if scalar.value == 0x9C { visible.append("\\") }
                    return position + 1
                }
                if scalar.value == 0x1B, position + 1 < scalars.count, scalars[position + 1] == "\\" {
                    append("\u{241B}\\".unicodeScalars, to: &visible)
                    return position + 2
                }
                append(inert(scalar).unicodeScalars, to: &visible)
                position += 1
            }
            return position
        }
        func copyCSIBody(from start: Int) -> Int {
            var position = start
            while position < scalars.count {
                let value = scalars[position].value
                append(inert(scalars[position]).unicodeScalars, to: &visible)
                position += 1
                if (0x40...0x7E).contains(value) { break }
                if !(0x20...0x3F).contains(value) { break }
            }
            return position
        }
        /// An escape sequence is shown as its inert stand-ins, or dropped whole.
        func flushEscape() {
            if showingEscapes { append(visible, to: &output) }
            visible.removeAll()
        }
        while index < scalars.count {
            let scalar = scalars[index]
            let value = scalar.value
            if value == 0x1B {
                visible.append("\u{241B}")
                index += 1
                if index < scalars.count {
                    let next = scalars[index]
                    switch next {
                    case "[":
                        visible.append("[")
                        index = copyCSIBody(from: index + 1)
                    case "]", "P", "X", "^", "_":
                        visible.append(next)
                        index = copyStringBody(from: index + 1)
                    default:
                        break
                    }
                }
                flushEscape()
            } else if (0x80...0x9F).contains(value) {
                // A C1 control is the 8-bit form of ESC plus a letter: show it as that ESC form.
                let letter = Unicode.Scalar(value - 0x40)!
                visible.append("\u{241B}")
                visible.append(letter)
                index += 1
                switch value {
                case 0x9B: index = copyCSIBody(from: index)
                case 0x9D, 0x90, 0x98, 0x9E, 0x9F: index = copyStringBody(from: index)
                default: break
                }
                flushEscape()
            } else if value == 0x0A {
                output.append(keepNewlines ? "\n" : " ")
                index += 1
            } else if value == 0x09 {
                output.append(showingEscapes ? " " : "\t")
                index += 1
            } else if value == 0x0D {
                index += 1
            } else if !showingEscapes, value < 0x20 || value == 0x7F {
                index += 1
            } else {
                append(inert(scalar).unicodeScalars, to: &output)
                index += 1
            }
        }
        return String(output)
    }

    /// One scalar made safe on its own: controls become their pictures; bidirectional overrides, which could
    /// make text read differently than it is stored, become a visible marker.
    private static func inert(_ scalar: Unicode.Scalar) -> String {
        switch scalar.value {
        case 0x00...0x1F: return String(Unicode.Scalar(0x2400 + scalar.value)!)
        case 0x7F: return "\u{2421}"
        case 0x80...0x9F: return "\u{241B}" + String(Unicode.Scalar(scalar.value - 0x40)!)
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return "\u{FFFD}"
        default: return String(scalar)
        }
    }

    /// Columns a scalar takes: 0 for combining marks and zero-width characters, 2 for East Asian wide and emoji.
    public static func columns(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return 0 }
        if value < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if value == 0x200B { return 0 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
        ]
        return wide.contains { $0.contains(value) } ? 2 : 1
    }

    public static func columns(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + columns($1) }
    }

    /// Cuts `text` to at most `width` columns, ending in "…" when something was cut.
    public static func truncate(_ text: String, width: Int) -> String {
        guard width > 0 else { return "" }
        if columns(text) <= width { return text }
        var result = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            let cost = columns(scalar)
            if used + cost > width - 1 { break }
            result.append(scalar)
            used += cost
        }
        return String(result) + "…"
    }

    /// Greedy word wrap; the width of each line may differ (text beside a picture is narrower). Words longer than a
    /// line are split. Newlines in `text` start new lines.
    public static func wrap(_ text: String, width: (Int) -> Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var used = 0
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                var piece = String(word)
                var pieceWidth = columns(piece)
                while true {
                    let limit = max(1, width(lines.count))
                    let needed = used == 0 ? pieceWidth : used + 1 + pieceWidth
                    if needed <= limit {
                        line += used == 0 ? piece : " " + piece
                        used = needed
                        break
                    }
                    if used > 0 {
                        lines.append(line)
                        line = ""
                        used = 0
                        continue
                    }
                    // A word wider than the whole line: cut it at the line's width.
                    var head = String.UnicodeScalarView()
                    var headWidth = 0
                    var rest = piece.unicodeScalars[...]
                    while let first = rest.first, headWidth + columns(first) <= limit {
                        head.append(first)
                        headWidth += columns(first)
                        rest = rest.dropFirst()
                    }
                    if head.isEmpty, let first = rest.first {
                        head.append(first)
                        rest = rest.dropFirst()
                    }
                    lines.append(String(head))
                    piece = String(String.UnicodeScalarView(rest))
                    pieceWidth = columns(piece)
                    if piece.isEmpty { break }
                }
            }
            lines.append(line)
        }
        return lines
    }
}
