import MediaIO

/// Which frames of a clip the face check looks at: `count` frames a tenth of the clip apart, centred on the frame
/// the configured choice names and shifted to stay inside the clip. Close enough to the chosen moment to show the
/// same expression, far enough apart that a blink or a blurred head turn in one is unlikely in all of them.
enum CandidateFrames {
    /// Frame indices (decoded frames from zero, as `FrameChoice.index` counts them), nearest the chosen frame first,
    /// so a tie in sharpness goes to the frame the user asked for.
    static func indices(around choice: FrameChoice, frameCount: Int, fps: Double, count: Int) -> [Int] {
        let total = max(1, frameCount)
        let centre: Int
        switch choice {
        case .first: centre = 0
        case .middle: centre = total / 2
        case .index(let index): centre = min(max(0, index), total - 1)
        case .time(let seconds): centre = fps > 0 ? min(Int(seconds * fps), total - 1) : total / 2
        }
        let wanted = max(1, min(count, total))
        let step = max(1, total / (2 * max(1, count)))
        let span = step * (wanted - 1)
        let first = max(0, min(centre - span / 2, total - 1 - span))
        return (0..<wanted).map { first + $0 * step }
            .sorted { abs($0 - centre) != abs($1 - centre) ? abs($0 - centre) < abs($1 - centre) : $0 < $1 }
    }
}
