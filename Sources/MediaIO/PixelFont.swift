/// A 3x5 pixel font of capitals, digits and a few signs, drawn at an integer scale: enough for a chart's title,
/// axis labels and legend without a font library. Unknown characters draw as blanks.
package enum PixelFont {
    package static let glyphWidth = 3
    package static let glyphHeight = 5

    /// Each glyph's five rows, top first, as three-bit masks (left pixel is 0b100).
    private static let glyphs: [Character: [UInt8]] = [
        "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [7, 1, 7, 4, 7], "3": [7, 1, 7, 1, 7], "4": [5, 5, 7, 1, 1],
        "5": [7, 4, 7, 1, 7], "6": [7, 4, 7, 5, 7], "7": [7, 1, 1, 1, 1], "8": [7, 5, 7, 5, 7], "9": [7, 5, 7, 1, 7],
        ".": [0, 0, 0, 0, 2], ",": [0, 0, 0, 2, 4], ":": [0, 2, 0, 2, 0], "-": [0, 0, 7, 0, 0], "(": [2, 4, 4, 4, 2],
        ")": [2, 1, 1, 1, 2], "=": [0, 7, 0, 7, 0], "/": [1, 1, 2, 4, 4], "+": [0, 2, 7, 2, 0], " ": [0, 0, 0, 0, 0],
        "A": [2, 5, 7, 5, 5], "B": [6, 5, 6, 5, 6], "C": [3, 4, 4, 4, 3], "D": [6, 5, 5, 5, 6], "E": [7, 4, 6, 4, 7],
        "F": [7, 4, 6, 4, 4], "G": [3, 4, 5, 5, 3], "H": [5, 5, 7, 5, 5], "I": [7, 2, 2, 2, 7], "J": [1, 1, 1, 5, 2],
        "K": [5, 5, 6, 5, 5], "L": [4, 4, 4, 4, 7], "M": [5, 7, 7, 5, 5], "N": [5, 7, 7, 7, 5], "O": [2, 5, 5, 5, 2],
        "P": [6, 5, 6, 4, 4], "Q": [2, 5, 5, 7, 3], "R": [6, 5, 6, 5, 5], "S": [3, 4, 2, 1, 6], "T": [7, 2, 2, 2, 2],
        "U": [5, 5, 5, 5, 7], "V": [5, 5, 5, 5, 2], "W": [5, 5, 7, 7, 5], "X": [5, 5, 2, 5, 5], "Y": [5, 5, 2, 2, 2],
        "Z": [7, 1, 2, 4, 7],
    ]

    /// The width in pixels of `text` at `scale` (one blank column between glyphs).
    package static func width(of text: String, scale: Int) -> Int {
        max(0, text.count * (glyphWidth + 1) * scale - scale)
    }

    /// Calls `plot(x, y)` for every lit pixel of `text` with its top-left corner at (`x`, `y`).
    package static func draw(_ text: String, x: Int, y: Int, scale: Int, plot: (Int, Int) -> Void) {
        for (index, character) in text.uppercased().enumerated() {
            let rows = glyphs[character] ?? glyphs[" "]!
            let left = x + index * (glyphWidth + 1) * scale
            for (row, mask) in rows.enumerated() {
                for column in 0..<glyphWidth where mask & (4 >> column) != 0 {
                    for dy in 0..<scale { for dx in 0..<scale { plot(left + column * scale + dx, y + row * scale + dy) } }
                }
            }
        }
    }
}
