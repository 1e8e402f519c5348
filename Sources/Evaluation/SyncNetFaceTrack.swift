import FaceAnalysis
import Foundation
import MediaIO

/// The face track SyncNet reads, made as syncnet_python's `crop_video` (run_pipeline.py) makes it, from the boxes of
/// our MTCNN detector (the reference detects with S3FD, whose weights are not used here): per frame the largest
/// face's box; its half-size s = max(width, height) / 2 and centre, each smoothed over the track by a 13-frame
/// median (`scipy.signal.medfilt`, zero beyond the ends); the frame padded by int(1.8 s) pixels of value 110 on
/// every side; rows from centre - s to centre + 1.8 s and columns from centre - 1.4 s to centre + 1.4 s (crop scale
/// 0.4, bounds truncated to whole pixels as Python's int() does); the crop resized to 224x224 as cv2.resize's
/// INTER_LINEAR resizes 8-bit pictures, in its fixed point (the same bytes). A frame where no face is found takes
/// the box interpolated between its nearest detections (the nearest one at either end), as the reference's
/// tracker interpolates the gaps in a track; a clip without any face is refused.
public enum SyncNetFaceTrack {
    static let cropScale = 0.4
    static let smoothingFrames = 13
    static let padding: UInt8 = 110
    static let side = 224

    /// A smoothed box: centre and half-size in frame pixels.
    package struct Placement: Equatable {
        package let x: Double, y: Double, halfSize: Double
    }

    /// The detected boxes of a clip's frames (nil where no face) -> one placement per frame.
    package static func placements(_ boxes: [FaceBox?], clip: String) throws -> [Placement] {
        let found = boxes.indices.filter { boxes[$0] != nil }
        guard let first = found.first, let last = found.last else {
            throw EvaluationError("\(clip): syncnet needs a face track, and the detector found no face in any of its \(boxes.count) frames")
        }
        var sizes: [Double] = [], xs: [Double] = [], ys: [Double] = []
        var next = 0
        for index in boxes.indices {
            let box: FaceBox
            if let detected = boxes[index] {
                box = detected
            } else if index < first {
                box = boxes[first]!
            } else if index > last {
                box = boxes[last]!
            } else {
                while found[next + 1] < index { next += 1 }
                let (before, after) = (found[next], found[next + 1])
                let (a, b) = (boxes[before]!, boxes[after]!)
                let t = Double(index - before) / Double(after - before)
                func mix(_ p: Double, _ q: Double) -> Double { p + (q - p) * t }
                box = FaceBox(x1: mix(a.x1, b.x1), y1: mix(a.y1, b.y1), x2: mix(a.x2, b.x2), y2: mix(a.y2, b.y2))
            }
            sizes.append(max(box.y2 - box.y1, box.x2 - box.x1) / 2)
            ys.append((box.y1 + box.y2) / 2)
            xs.append((box.x1 + box.x2) / 2)
        }
        let (s, x, y) = (medianFiltered(sizes), medianFiltered(xs), medianFiltered(ys))
        return boxes.indices.map { Placement(x: x[$0], y: y[$0], halfSize: s[$0]) }
    }

    /// `scipy.signal.medfilt(values, 13)`: the median of each 13-value window, zeros beyond both ends.
    package static func medianFiltered(_ values: [Double]) -> [Double] {
        let half = smoothingFrames / 2
        return values.indices.map { index in
            let window = (index - half...index + half).map { values.indices ~= $0 ? values[$0] : 0 }
            return window.sorted()[half]
        }
    }

    /// FRAME cropped around PLACEMENT and resized to 224x224.
    package static func crop(_ frame: RGBImage, at placement: Placement) throws -> RGBImage {
        let s = placement.halfSize
        let pad = Int(s * (1 + 2 * cropScale))
        let (centreY, centreX) = (placement.y + Double(pad), placement.x + Double(pad))
        let (paddedHeight, paddedWidth) = (frame.height + 2 * pad, frame.width + 2 * pad)
        // numpy slicing stops at the array's end; a start before 0 only happens for a centre outside the frame.
        let top = max(0, Int(centreY - s)), bottom = min(paddedHeight, Int(centreY + s * (1 + 2 * cropScale)))
        let left = max(0, Int(centreX - s * (1 + cropScale))), right = min(paddedWidth, Int(centreX + s * (1 + cropScale)))
        guard bottom > top, right > left else {
            throw EvaluationError("syncnet: the face box (centre \(placement.x), \(placement.y), half-size \(s)) leaves nothing to crop")
        }
        let (height, width) = (bottom - top, right - left)
        func sample(_ row: Int, _ column: Int, _ channel: Int) -> UInt8 {
            let (y, x) = (top + row - pad, left + column - pad)
            guard y >= 0, y < frame.height, x >= 0, x < frame.width else { return padding }
            return frame.pixels[(y * frame.width + x) * 3 + channel]
        }
        // cv2.resize's INTER_LINEAR on 8-bit pictures: source = (destination + 0.5) x scale - 0.5 in float; across,
        // a position before the first or past the last pixel is clamped to it, weight and all; down, the weights
        // stay and the rows are clamped (border replication). Weights of 11 bits; rows first in integers, then
        // columns with cv2's rounding (each product's upper bits, then + 2 >> 2), so the crop is the same to the bit.
        func taps(_ index: Int, _ size: Int, clampingWeights: Bool) -> (Int, Int, Int32, Int32) {
            var position = Float((Double(index) + 0.5) * (1 / (Double(side) / Double(size))) - 0.5)
            var base = Int(position.rounded(.down))
            position -= Float(base)
            if clampingWeights, base < 0 { (base, position) = (0, 0) }
            if clampingWeights, base >= size - 1 { (base, position) = (size - 1, 0) }
            let first = Int32(((1 - position) * 2048).rounded(.toNearestOrEven))
            return (min(max(base, 0), size - 1), min(max(base + 1, 0), size - 1), first, 2048 - first)
        }
        let rows = (0..<side).map { taps($0, height, clampingWeights: false) }
        let columns = (0..<side).map { taps($0, width, clampingWeights: true) }
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for (y, (y0, y1, b0, b1)) in rows.enumerated() {
            for (x, (x0, x1, a0, a1)) in columns.enumerated() {
                for channel in 0..<3 {
                    let upper = Int32(sample(y0, x0, channel)) * a0 + Int32(sample(y0, x1, channel)) * a1
                    let lower = Int32(sample(y1, x0, channel)) * a0 + Int32(sample(y1, x1, channel)) * a1
                    let value = (((b0 * (upper >> 4)) >> 16) + ((b1 * (lower >> 4)) >> 16) + 2) >> 2
                    pixels[(y * side + x) * 3 + channel] = UInt8(max(0, min(255, value)))
                }
            }
        }
        return RGBImage(width: side, height: side, pixels: pixels)
    }
}
