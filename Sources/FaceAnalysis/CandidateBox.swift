import Foundation

/// A box on its way through the cascade, with facenet-pytorch's float32 arithmetic: corners, score, and the
/// regression the last network proposed for it.
struct CandidateBox {
    var x1, y1, x2, y2: Float
    var score: Float
    var regression: (Float, Float, Float, Float) = (0, 0, 0, 0)

    /// Applies the regression with the box measured as `x2 - x1` (P-Net's stage in `detect_face`).
    func regressedExclusive() -> CandidateBox {
        let (w, h) = (x2 - x1, y2 - y1)
        return moved(by: w, h)
    }

    /// Applies the regression with the box measured as `x2 - x1 + 1` (`bbreg`, after R-Net and O-Net).
    func regressedInclusive() -> CandidateBox {
        let (w, h) = (x2 - x1 + 1, y2 - y1 + 1)
        return moved(by: w, h)
    }

    private func moved(by w: Float, _ h: Float) -> CandidateBox {
        var box = self
        box.x1 = x1 + regression.0 * w
        box.y1 = y1 + regression.1 * h
        box.x2 = x2 + regression.2 * w
        box.y2 = y2 + regression.3 * h
        return box
    }

    /// The square of side max(w, h) on the same centre (`rerec`).
    func squared() -> CandidateBox {
        let (h, w) = (y2 - y1, x2 - x1)
        let side = max(w, h)
        var box = self
        box.x1 = x1 + w * 0.5 - side * 0.5
        box.y1 = y1 + h * 0.5 - side * 0.5
        box.x2 = box.x1 + side
        box.y2 = box.y1 + side
        return box
    }

    /// The pixel rows and columns the box covers, truncated towards zero and clamped to the image as `pad` does
    /// (1-based, inclusive); nil when nothing of it lies in the image.
    func pixelRegion(width: Int, height: Int) -> (rows: Range<Int>, columns: Range<Int>)? {
        func truncated(_ value: Float) -> Int { value.isFinite ? Int(value.rounded(.towardZero)) : 0 }
        let x = max(1, truncated(x1)), y = max(1, truncated(y1))
        let ex = min(width, truncated(x2)), ey = min(height, truncated(y2))
        guard ey > y - 1, ex > x - 1 else { return nil }
        return ((y - 1)..<ey, (x - 1)..<ex)
    }
}

/// Non-maximum suppression as the cascade uses it: candidates taken in decreasing score (stable for ties), each
/// suppressing the later ones it overlaps by more than `threshold`. Returns the kept indices, best first.
enum Suppression {
    /// torchvision's `nms`: overlap = intersection / union, boxes measured as x2 - x1.
    case intersectionOverUnion
    /// facenet-pytorch's numpy NMS with "Min": overlap = intersection / the smaller area, boxes as x2 - x1 + 1.
    case intersectionOverMinimum

    func keep(_ boxes: [CandidateBox], threshold: Float) -> [Int] {
        let extra: Float = self == .intersectionOverUnion ? 0 : 1
        let areas = boxes.map { ($0.x2 - $0.x1 + extra) * ($0.y2 - $0.y1 + extra) }
        let order = boxes.indices.sorted { boxes[$0].score > boxes[$1].score || (boxes[$0].score == boxes[$1].score && $0 < $1) }
        var suppressed = [Bool](repeating: false, count: boxes.count)
        var kept: [Int] = []
        for (position, i) in order.enumerated() where !suppressed[i] {
            kept.append(i)
            for j in order[(position + 1)...] where !suppressed[j] {
                let w = max(0, min(boxes[i].x2, boxes[j].x2) - max(boxes[i].x1, boxes[j].x1) + extra)
                let h = max(0, min(boxes[i].y2, boxes[j].y2) - max(boxes[i].y1, boxes[j].y1) + extra)
                let intersection = w * h
                let overlap = self == .intersectionOverUnion
                    ? intersection / (areas[i] + areas[j] - intersection)
                    : intersection / min(areas[i], areas[j])
                if overlap > threshold { suppressed[j] = true }
            }
        }
        return kept
    }
}
