import MediaIO

/// An RGB24 picture of a progressive guidance schedule: each stage's weight against the step, one colour per
/// stage, on a light grid with the stage boundaries marked. `image` hands it to MediaIO for PNG encoding.
public struct ScheduleChart: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major RGB triples, top row first.
    public private(set) var pixels: [UInt8]

    /// Stage colours, coarse first (then cycled): blue, orange, green, red, purple.
    public static let palette: [(UInt8, UInt8, UInt8)] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]
    static let margin = 24

    public init(schedule: ProgressiveGuidanceSchedule, width: Int = 640, height: Int = 320) {
        self.width = max(width, 4 * Self.margin)
        self.height = max(height, 4 * Self.margin)
        pixels = [UInt8](repeating: 255, count: self.width * self.height * 3)
        let plotWidth = self.width - 2 * Self.margin
        let plotHeight = self.height - 2 * Self.margin
        func x(_ step: Double) -> Int { Self.margin + Int((step / Double(max(1, schedule.stepCount - 1))) * Double(plotWidth - 1)) }
        func y(_ weight: Double) -> Int { Self.margin + Int((1 - weight) * Double(plotHeight - 1)) }

        for weight in [0.0, 0.5, 1.0] { line(from: (Self.margin, y(weight)), to: (Self.margin + plotWidth - 1, y(weight)), colour: (220, 220, 220)) }
        for boundary in schedule.boundaries.dropFirst().dropLast() {
            line(from: (x(Double(boundary)), Self.margin), to: (x(Double(boundary)), Self.margin + plotHeight - 1), colour: (170, 170, 170))
        }
        line(from: (Self.margin, Self.margin), to: (Self.margin, Self.margin + plotHeight - 1), colour: (0, 0, 0))
        line(from: (Self.margin, Self.margin + plotHeight - 1), to: (Self.margin + plotWidth - 1, Self.margin + plotHeight - 1), colour: (0, 0, 0))

        let weights = (0..<schedule.stepCount).map(schedule.weights(atStep:))
        for stage in 0..<schedule.stageCount {
            let colour = Self.palette[stage % Self.palette.count]
            var previous = (x(0), y(weights[0][stage]))
            for step in 1..<max(1, schedule.stepCount) {
                let point = (x(Double(step)), y(weights[step][stage]))
                line(from: previous, to: point, colour: colour, thickness: 2)
                previous = point
            }
            if schedule.stepCount == 1 { line(from: previous, to: (previous.0 + 1, previous.1), colour: colour, thickness: 2) }
        }
    }

    public var image: RGBImage { RGBImage(width: width, height: height, pixels: pixels) }

    public func pixel(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let offset = (y * width + x) * 3
        return (pixels[offset], pixels[offset + 1], pixels[offset + 2])
    }

    /// Bresenham's line, thickened by stamping a square brush.
    private mutating func line(from start: (Int, Int), to end: (Int, Int), colour: (UInt8, UInt8, UInt8), thickness: Int = 1) {
        var (x0, y0) = start
        let (x1, y1) = end
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        while true {
            for oy in 0..<thickness { for ox in 0..<thickness { set(x0 + ox - thickness / 2, y0 + oy - thickness / 2, colour) } }
            if x0 == x1 && y0 == y1 { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x0 += sx }
            if doubled <= dx { error += dx; y0 += sy }
        }
    }

    private mutating func set(_ x: Int, _ y: Int, _ colour: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let offset = (y * width + x) * 3
        pixels[offset] = colour.0
        pixels[offset + 1] = colour.1
        pixels[offset + 2] = colour.2
    }
}
