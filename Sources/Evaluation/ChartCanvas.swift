import MediaIO

/// A white RGB picture that the evaluation charts draw on: filled rectangles and `PixelFont` text, clipped to the
/// picture. MediaIO encodes the result as PNG.
struct ChartCanvas {
    typealias Colour = (UInt8, UInt8, UInt8)

    let width: Int
    let height: Int
    private(set) var pixels: [UInt8]

    static let ink: Colour = (0, 0, 0)
    static let grid: Colour = (220, 220, 220)
    /// One colour per series (cycled): blue, orange, green, red, purple, brown.
    static let palette: [Colour] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]
    static let textScale = 2
    static var lineHeight: Int { PixelFont.glyphHeight * textScale }

    init(width: Int, height: Int) {
        (self.width, self.height) = (width, height)
        pixels = [UInt8](repeating: 255, count: width * height * 3)
    }

    var image: RGBImage { RGBImage(width: width, height: height, pixels: pixels) }

    mutating func plot(_ x: Int, _ y: Int, _ colour: Colour) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let index = (y * width + x) * 3
        (pixels[index], pixels[index + 1], pixels[index + 2]) = colour
    }

    /// The rectangle with corners (x0, y0) and (x1, y1), both included, in either order.
    mutating func fill(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ colour: Colour) {
        for y in min(y0, y1)...max(y0, y1) { for x in min(x0, x1)...max(x0, x1) { plot(x, y, colour) } }
    }

    mutating func text(_ text: String, x: Int, y: Int, colour: Colour = ink) {
        var lit: [(Int, Int)] = []
        PixelFont.draw(text, x: x, y: y, scale: Self.textScale) { lit.append(($0, $1)) }
        for (px, py) in lit { plot(px, py, colour) }
    }

    static func textWidth(_ text: String) -> Int { PixelFont.width(of: text, scale: textScale) }
}
