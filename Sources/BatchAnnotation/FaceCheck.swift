import FaceAnalysis
import Foundation
import MediaIO

/// The batch's face check: a clip is used only where a few candidate frames (`CandidateFrames`) show exactly one
/// clear face, so no annotation describes a frame with nobody in it, or the wrong one of several people.
///
/// One face: `FaceChoice`'s dominant face (probability >= 0.9, no second such face with a quarter of its box
/// area; smaller confident faces, a poster or a passer-by, are background), the rule the renderer frames by.
/// Frames larger than `detectionPixels` are shrunk for the detector and its box and landmarks scaled back to the
/// clip's pixels: MEAD's faces are large, and detection time grows with the pixels.
///
/// Safe to share between worker threads: the detector runs one detection at a time (`FaceDetector.detect`), and the
/// memo of reference choices is locked.
public final class FaceCheck: @unchecked Sendable {
    public struct Settings: Sendable, Equatable {
        public var candidateFrames = 5
        public var detectionPixels = 640 * 640

        public init() {}
    }

    /// What a clip came to: its face, or why it has none to use.
    public enum Verdict: Sendable, Equatable {
        case face(ChosenFace)
        case unusable(reason: String)
    }

    /// Stored with every face: which detector and weights found it.
    public static let detectorIdentity = "mtcnn facenet-pytorch 2.6.0"

    public let detector: FaceDetector
    public let settings: Settings
    private let lock = NSLock()
    /// A clip's sharpest face is asked for twice (the unit's reference, and stage I's picture of the actor): found once.
    private var sharpestByClip: [String: Verdict] = [:]

    public init(detector: FaceDetector, settings: Settings = Settings()) {
        self.detector = detector
        self.settings = settings
    }

    /// The sharpest one-face frame among the candidates around `choice`: what a unit's reference frame is.
    public func sharpestFace(path: String, around choice: FrameChoice) throws -> Verdict {
        let key = "\(choice)|\(path)"
        if let known = lock.withLock({ sharpestByClip[key] }) { return known }
        let verdict = try check(path: path, around: choice, stopAtFirst: false)
        lock.withLock { sharpestByClip[key] = verdict }
        return verdict
    }

    /// Whether any candidate frame shows one face, stopping at the first that does: enough to link a clip.
    public func anyFace(path: String, around choice: FrameChoice) throws -> Verdict {
        try check(path: path, around: choice, stopAtFirst: true)
    }

    private func check(path: String, around choice: FrameChoice, stopAtFirst: Bool) throws -> Verdict {
        let info = try MediaProbe.probe(path: path)
        let indices = CandidateFrames.indices(around: choice, frameCount: info.frameCount, fps: info.fps, count: settings.candidateFrames)
        let decoded = Dictionary(try FrameReader.readFrames(path: path, indices: indices).map { ($0.index, $0.image) }) { first, _ in first }
        guard !decoded.isEmpty else {
            throw UnitFailure("\(path): none of the candidate frames \(indices.sorted()) could be decoded")
        }
        var best: ChosenFace?
        var examined = 0, several = 0
        for index in indices {
            guard let image = decoded[index] else { continue }
            examined += 1
            switch try oneFace(in: image) {
            case .none:
                continue
            case .several:
                several += 1
            case .one(let face):
                let chosen = ChosenFace(
                    face: face, frameIndex: index, frameSeconds: info.fps > 0 ? Double(index) / info.fps : nil,
                    frameWidth: image.width, frameHeight: image.height,
                    sharpness: FaceSharpness.laplacianVariance(image, box: face.box))
                // Strictly sharper: a tie keeps the frame nearer the chosen one (the candidates come nearest first).
                if best.map({ chosen.sharpness > $0.sharpness }) ?? true { best = chosen }
                if stopAtFirst { return .face(chosen) }
            }
        }
        if let best { return .face(best) }
        let frames = "\(examined) candidate frame\(examined == 1 ? "" : "s")"
        return .unusable(reason: several > 0 ? "several faces in \(several) of \(frames)" : "no face found in \(frames)")
    }

    private enum Count {
        case none, several
        case one(DetectedFace)
    }

    private func oneFace(in image: RGBImage) throws -> Count {
        let small = image.width * image.height > settings.detectionPixels ? try image.scaledToFit(maxPixels: settings.detectionPixels) : image
        let main: DetectedFace
        switch FaceChoice(try detector.detect(small)) {
        case .noFace: return .none
        case .severalFaces: return .several
        case .face(let face): main = face
        }
        guard small.width != image.width || small.height != image.height else { return .one(main) }
        let scaleX = Double(image.width) / Double(small.width), scaleY = Double(image.height) / Double(small.height)
        return .one(DetectedFace(
            box: FaceBox(x1: main.box.x1 * scaleX, y1: main.box.y1 * scaleY, x2: main.box.x2 * scaleX, y2: main.box.y2 * scaleY),
            probability: main.probability, landmarks: main.landmarks.map { FacePoint(x: $0.x * scaleX, y: $0.y * scaleY) }))
    }
}
