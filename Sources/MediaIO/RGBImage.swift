/// An 8-bit RGB picture: three bytes per pixel, rows top to bottom, no padding between rows.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// `pixels` must hold exactly `width * height * 3` bytes; anything else is a programming error and traps.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "image size must not be negative")
        precondition(pixels.count == width * height * 3, "RGB24 pixels must hold width * height * 3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A picture filled with one colour.
    public init(width: Int, height: Int, filledWith color: (red: UInt8, green: UInt8, blue: UInt8)) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for offset in stride(from: 0, to: pixels.count, by: 3) {
            pixels[offset] = color.red
            pixels[offset + 1] = color.green
            pixels[offset + 2] = color.blue
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    public var bytesPerRow: Int { width * 3 }

    /// The colour at a pixel; used by tests and by callers that sample pictures.
    public func pixel(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let offset = (y * width + x) * 3
        return (pixels[offset], pixels[offset + 1], pixels[offset + 2])
    }

    /// The mean of each channel over a rectangle, which smooths out codec noise when checking colours.
    public func meanColor(x: Int = 0, y: Int = 0, width regionWidth: Int? = nil, height regionHeight: Int? = nil)
        -> (red: Double, green: Double, blue: Double)
    {
        let right = min(width, x + (regionWidth ?? width))
        let bottom = min(height, y + (regionHeight ?? height))
        var sums = (0.0, 0.0, 0.0)
        var count = 0.0
        for row in y..<bottom {
            for column in x..<right {
                let offset = (row * width + column) * 3
                sums.0 += Double(pixels[offset])
                sums.1 += Double(pixels[offset + 1])
                sums.2 += Double(pixels[offset + 2])
                count += 1
            }
        }
        guard count > 0 else { return (0, 0, 0) }
        return (sums.0 / count, sums.1 / count, sums.2 / count)
    }

    func validated(for path: String = "") throws -> RGBImage {
        guard width > 0, height > 0 else {
            throw MediaError(.invalidArgument, path: path, "image is empty (\(width)x\(height))")
        }
        // `pixels` is mutable, so its length can drift from the size; C code must never read past it.
        guard pixels.count == width * height * 3 else {
            throw MediaError(
                .invalidArgument, path: path,
                "image holds \(pixels.count) bytes but \(width)x\(height) RGB needs \(width * height * 3)")
        }
        return self
    }
}
