import SafeText
/// SGR attributes for the review screen. Only the screen's own code emits escape sequences; text passes through
/// `TerminalText.sanitize` before it gets here.
public struct TerminalStyle: Equatable, Sendable {
    var codes: [String]

    static let plain = TerminalStyle(codes: [])
    static let bold = TerminalStyle(codes: ["1"])
    static let dim = TerminalStyle(codes: ["2"])
    static let inverse = TerminalStyle(codes: ["7"])
    static let red = TerminalStyle(codes: ["31"])
    static let green = TerminalStyle(codes: ["32"])
    static let yellow = TerminalStyle(codes: ["33"])
    static let blue = TerminalStyle(codes: ["34"])
    static let magenta = TerminalStyle(codes: ["35"])
    static let cyan = TerminalStyle(codes: ["36"])

    static func + (lhs: TerminalStyle, rhs: TerminalStyle) -> TerminalStyle { TerminalStyle(codes: lhs.codes + rhs.codes) }

    /// A chip: dark text on a 256-colour background.
    static func chip(background: Int) -> TerminalStyle { TerminalStyle(codes: ["30", "48;5;\(background)"]) }

    var sgr: String { codes.isEmpty ? "" : "\u{1B}[" + codes.joined(separator: ";") + "m" }
}

/// One screen row under construction: styled runs and the columns they take.
public struct StyledLine: Sendable {
    private(set) var rendered = ""
    private(set) var columns = 0

    init() {}

    init(_ text: String, _ style: TerminalStyle = .plain) {
        append(text, style)
    }

    /// Appends sanitized text; the caller keeps it within the row's width.
    mutating func append(_ text: String, _ style: TerminalStyle = .plain) {
        guard !text.isEmpty else { return }
        if style == .plain {
            rendered += text
        } else {
            rendered += style.sgr + text + "\u{1B}[0m"
        }
        columns += TerminalText.columns(text)
    }

    /// Appends already-rendered escape output (a picture row) that takes `columns` columns.
    mutating func appendRaw(_ text: String, columns width: Int) {
        rendered += text
        columns += width
    }

    mutating func pad(to width: Int, _ style: TerminalStyle = .plain) {
        if columns < width { append(String(repeating: " ", count: width - columns), style) }
    }

    /// The row with escape sequences removed: what a terminal shows as text (used by tests and benchmarks).
    var plainText: String {
        var result = ""
        var inEscape = false
        for scalar in rendered.unicodeScalars {
            if inEscape {
                if (0x40...0x7E).contains(scalar.value) && scalar != "[" { inEscape = false }
                continue
            }
            if scalar == "\u{1B}" { inEscape = true; continue }
            result.unicodeScalars.append(scalar)
        }
        return result
    }
}
