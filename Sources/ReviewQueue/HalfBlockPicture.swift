/// Pixels in RGB24 order, row by row: the plain buffer the picture is drawn from, filled by a
/// `ReferenceFrameDecoder` (MediaIO's in the terminal app).
public struct RGBPixels: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var bytes: [UInt8]

    public init(width: Int, height: Int, bytes: [UInt8]) {
        precondition(bytes.count == width * height * 3, "RGB24 needs width * height * 3 bytes")
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    func pixel(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let offset = (y * width + x) * 3
        return (bytes[offset], bytes[offset + 1], bytes[offset + 2])
    }
}

/// How much colour the terminal takes: 24-bit, the xterm 256 palette, or none (then no picture is drawn).
public enum TerminalColorSupport: Sendable, Equatable {
    case trueColor, palette256, none

    public static func detect(_ environment: [String: String]) -> TerminalColorSupport {
        if environment["NO_COLOR"].map({ !$0.isEmpty }) == true { return .none }
        let term = environment["TERM"] ?? ""
        if term.isEmpty || term == "dumb" { return .none }
        let colorTerm = (environment["COLORTERM"] ?? "").lowercased()
        if colorTerm == "truecolor" || colorTerm == "24bit" { return .trueColor }
        return .palette256
    }
}

/// Draws pixels with "▀": the cell's foreground is the upper pixel and its background the lower one, so each
/// text row shows two pixel rows and square pixels come out roughly square.
public enum HalfBlockPicture {
    /// One string per text row, each `pixels.width` columns wide; `pixels.height` should be even.
    public static func rows(_ pixels: RGBPixels, color: TerminalColorSupport) -> [String] {
        guard color != .none else { return [] }
        var rows: [String] = []
        var y = 0
        while y < pixels.height {
            var row = ""
            for x in 0..<pixels.width {
                let top = pixels.pixel(x: x, y: y)
                let bottom = y + 1 < pixels.height ? pixels.pixel(x: x, y: y + 1) : top
                row += "\u{1B}[" + colorCode(top, foreground: true, color) + ";" + colorCode(bottom, foreground: false, color) + "m\u{2580}"
            }
            rows.append(row + "\u{1B}[0m")
            y += 2
        }
        return rows
    }

    private static func colorCode(_ rgb: (UInt8, UInt8, UInt8), foreground: Bool, _ color: TerminalColorSupport) -> String {
        let layer = foreground ? "38" : "48"
        if color == .trueColor { return "\(layer);2;\(rgb.0);\(rgb.1);\(rgb.2)" }
        return "\(layer);5;\(palette256(rgb))"
    }

    /// The nearest entry of xterm's 6x6x6 colour cube or its grey ramp.
    static func palette256(_ rgb: (UInt8, UInt8, UInt8)) -> Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func nearestLevel(_ value: UInt8) -> Int {
            levels.indices.min { abs(levels[$0] - Int(value)) < abs(levels[$1] - Int(value)) }!
        }
        let (r, g, b) = (nearestLevel(rgb.0), nearestLevel(rgb.1), nearestLevel(rgb.2))
        let cube = 16 + 36 * r + 6 * g + b
        func squaredError(_ level: Int, _ value: UInt8) -> Int { (level - Int(value)) * (level - Int(value)) }
        let cubeError = squaredError(levels[r], rgb.0) + squaredError(levels[g], rgb.1) + squaredError(levels[b], rgb.2)
        let mean = (Int(rgb.0) + Int(rgb.1) + Int(rgb.2)) / 3
        let greyStep = min(23, max(0, (mean - 8 + 5) / 10))
        let grey = 8 + 10 * greyStep
        let greyError = squaredError(grey, rgb.0) + squaredError(grey, rgb.1) + squaredError(grey, rgb.2)
        return greyError < cubeError ? 232 + greyStep : cube
    }
}
