import Foundation

/// A point in image pixels (x to the right, y down, the top-left pixel's corner at 0, 0).
public struct FacePoint: Equatable, Sendable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A face box in image pixels, as MTCNN reports it: left, top, right, bottom (may reach outside the image).
public struct FaceBox: Equatable, Sendable {
    public var x1: Double
    public var y1: Double
    public var x2: Double
    public var y2: Double

    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        (self.x1, self.y1, self.x2, self.y2) = (x1, y1, x2, y2)
    }

    public var width: Double { x2 - x1 }
    public var height: Double { y2 - y1 }
    public var area: Double { width * height }
    public var center: FacePoint { FacePoint(x: (x1 + x2) / 2, y: (y1 + y2) / 2) }
}

/// One face: its box, the detector's probability that it is a face, and five landmarks in the order left eye,
/// right eye, nose, left mouth corner, right mouth corner ("left" as seen in the image).
///
/// Its JSON form is `{"box": [x1, y1, x2, y2], "probability": p, "landmarks": [[x, y] x 5]}`.
public struct DetectedFace: Equatable, Sendable, Codable {
    public static let landmarkNames = ["left eye", "right eye", "nose", "left mouth corner", "right mouth corner"]

    public var box: FaceBox
    public var probability: Double
    public var landmarks: [FacePoint]

    public init(box: FaceBox, probability: Double, landmarks: [FacePoint]) {
        self.box = box
        self.probability = probability
        self.landmarks = landmarks
    }

    /// A face kept as plain numbers (the store's record, a JSON file): `box` [x1, y1, x2, y2], five [x, y] landmarks;
    /// refused unless finite, ordered and complete, as the JSON form is.
    public init(box corners: [Double], probability: Double, landmarks points: [[Double]]) throws {
        guard corners.count == 4, corners.allSatisfy(\.isFinite), corners[2] >= corners[0], corners[3] >= corners[1],
              points.count == 5, points.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isFinite) }),
              probability.isFinite, (0...1).contains(probability)
        else { throw FaceDetectorError.unusableFace("box \(corners), probability \(probability), \(points.count) landmarks") }
        self.init(box: FaceBox(x1: corners[0], y1: corners[1], x2: corners[2], y2: corners[3]), probability: probability,
                  landmarks: points.map { FacePoint(x: $0[0], y: $0[1]) })
    }

    public var leftEye: FacePoint { landmarks[0] }
    public var rightEye: FacePoint { landmarks[1] }
    public var nose: FacePoint { landmarks[2] }
    public var mouthLeft: FacePoint { landmarks[3] }
    public var mouthRight: FacePoint { landmarks[4] }

    private enum CodingKeys: String, CodingKey { case box, probability, landmarks }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let corners = try container.decode([Double].self, forKey: .box)
        let points = try container.decode([[Double]].self, forKey: .landmarks)
        let probability = try container.decode(Double.self, forKey: .probability)
        guard corners.count == 4, corners.allSatisfy(\.isFinite), corners[2] >= corners[0], corners[3] >= corners[1] else {
            throw DecodingError.dataCorruptedError(forKey: .box, in: container,
                                                   debugDescription: "a face box is four finite numbers x1, y1, x2 >= x1, y2 >= y1")
        }
        guard points.count == 5, points.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isFinite) }) else {
            throw DecodingError.dataCorruptedError(forKey: .landmarks, in: container,
                                                   debugDescription: "a face has five landmarks of two finite numbers each")
        }
        guard probability.isFinite, (0...1).contains(probability) else {
            throw DecodingError.dataCorruptedError(forKey: .probability, in: container, debugDescription: "a probability lies in 0...1")
        }
        self.init(box: FaceBox(x1: corners[0], y1: corners[1], x2: corners[2], y2: corners[3]), probability: probability,
                  landmarks: points.map { FacePoint(x: $0[0], y: $0[1]) })
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode([box.x1, box.y1, box.x2, box.y2], forKey: .box)
        try container.encode(probability, forKey: .probability)
        try container.encode(landmarks.map { [$0.x, $0.y] }, forKey: .landmarks)
    }
}
