import MediaIO

/// An RGB24 picture of a progressive guidance schedule: each stage's weight against the step, one colour per
/// stage, on a light grid with the stage boundaries marked, with a title, ticks and labels on both axes and a
/// legend naming the stages. `image` hands it to MediaIO for PNG encoding.
public struct ScheduleChart: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major RGB triples, top row first.
    public private(set) var pixels: [UInt8]

    /// Stage colours, coarse first (then cycled): blue, orange, green, red, purple.
    public static let palette: [(UInt8, UInt8, UInt8)] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]
    /// Room around the plot for the title (top), the weight labels (left) and the step labels, axis title and
    /// legend (bottom).
    static let (leftMargin, rightMargin, topMargin, bottomMargin) = (44, 16, 30, 58)
    static let textScale = 2
    static let ink: (UInt8, UInt8, UInt8) = (0, 0, 0)

    /// The plot area in pixels: x from `plotLeft` (step 0) to `plotRight` (the last step), y from `plotTop`
    /// (weight 1) to `plotBottom` (weight 0).
    public let plotLeft: Int, plotRight: Int, plotTop: Int, plotBottom: Int

    public init(schedule: ProgressiveGuidanceSchedule, width: Int = 640, height: Int = 320) {
        self.width = max(width, Self.leftMargin + Self.rightMargin + 64)
        self.height = max(height, Self.topMargin + Self.bottomMargin + 48)
        pixels = [UInt8](repeating: 255, count: self.width * self.height * 3)
        (plotLeft, plotRight) = (Self.leftMargin, self.width - Self.rightMargin - 1)
        (plotTop, plotBottom) = (Self.topMargin, self.height - Self.bottomMargin - 1)
        let (left, right, top, bottom) = (plotLeft, plotRight, plotTop, plotBottom)
        func x(_ step: Double) -> Int { left + Int((step / Double(max(1, schedule.stepCount - 1))) * Double(right - left)) }
        func y(_ weight: Double) -> Int { top + Int((1 - weight) * Double(bottom - top)) }

        for weight in [0.0, 0.5, 1.0] {
            line(from: (left, y(weight)), to: (right, y(weight)), colour: (220, 220, 220))
            line(from: (left - 4, y(weight)), to: (left, y(weight)), colour: Self.ink)
            let label = weight == 0.5 ? "0.5" : String(Int(weight))
            text(label, right: left - 7, top: y(weight) - PixelFont.glyphHeight * Self.textScale / 2)
        }
        for boundary in schedule.boundaries.dropFirst().dropLast() {
            line(from: (x(Double(boundary)), top), to: (x(Double(boundary)), bottom), colour: (170, 170, 170))
        }
        line(from: (left, top), to: (left, bottom), colour: Self.ink)
        line(from: (left, bottom), to: (right, bottom), colour: Self.ink)
        for step in Self.tickSteps(count: schedule.stepCount) {
            line(from: (x(Double(step)), bottom), to: (x(Double(step)), bottom + 4), colour: Self.ink)
            let label = String(step)
            text(label, left: x(Double(step)) - PixelFont.width(of: label, scale: Self.textScale) / 2, top: bottom + 8)
        }
        text("STEP", left: (left + right - PixelFont.width(of: "STEP", scale: Self.textScale)) / 2, top: bottom + 22)
        text("WEIGHT", left: 4, top: top - 22)
        let splits = schedule.splits.map { String(format: "%g", $0) }.joined(separator: ",")
        text("PROGRESSIVE GUIDANCE: \(schedule.stepCount) STEPS, SPLIT \(splits), \(schedule.mode.rawValue)",
             left: left + 40, top: 6)

        // The legend: a colour swatch and the stage's name, coarse first.
        var legendX = left
        for stage in 0..<schedule.stageCount {
            let name = schedule.stageCount == 2 ? (stage == 0 ? "COARSE" : "FINE")
                : "STAGE \(stage + 1)" + (stage == 0 ? " (COARSE)" : stage == schedule.stageCount - 1 ? " (FINE)" : "")
            let colour = Self.palette[stage % Self.palette.count]
            for row in 0..<8 { line(from: (legendX, bottom + 40 + row), to: (legendX + 14, bottom + 40 + row), colour: colour) }
            text(name, left: legendX + 20, top: bottom + 39)
            legendX += 20 + PixelFont.width(of: name, scale: Self.textScale) + 24
        }

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

    /// About ten labelled steps whatever the count: every 1, 2, 5, 10, 20, 50, ... steps, and the last step.
    static func tickSteps(count: Int) -> [Int] {
        guard count > 1 else { return [0] }
        var every = 1
        for candidate in [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] where (count - 1) / candidate <= 10 {
            every = candidate
            break
        }
        var steps = Array(stride(from: 0, to: count, by: every))
        // The last step is labelled too, unless a tick already sits too close to it.
        if let lastTick = steps.last, count - 1 - lastTick >= max(1, every / 2) { steps.append(count - 1) }
        return steps
    }

    private mutating func text(_ text: String, left: Int, top: Int) {
        PixelFont.draw(text, x: left, y: top, scale: Self.textScale) { set($0, $1, Self.ink) }
    }

    private mutating func text(_ text: String, right: Int, top: Int) {
        self.text(text, left: right - PixelFont.width(of: text, scale: Self.textScale), top: top)
    }

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
