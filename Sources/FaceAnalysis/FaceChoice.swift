import Foundation

/// The one face a portrait or a reference frame is about, or why there is none.
///
/// Faces below `minimumProbability` are ignored. The largest remaining face is chosen when it dominates: no other
/// face reaches `rivalAreaFraction` of its box area (smaller faces are background: a poster, a passer-by).
public enum FaceChoice: Equatable, Sendable {
    case face(DetectedFace)
    case noFace
    case severalFaces(count: Int)

    public static let minimumProbability = 0.9
    public static let rivalAreaFraction = 0.25

    public init(_ faces: [DetectedFace]) {
        let confident = faces.filter { $0.probability >= Self.minimumProbability }.sorted { $0.box.area > $1.box.area }
        guard let largest = confident.first else {
            self = .noFace
            return
        }
        let rivals = confident.dropFirst().filter { $0.box.area >= Self.rivalAreaFraction * largest.box.area }
        self = rivals.isEmpty ? .face(largest) : .severalFaces(count: rivals.count + 1)
    }

    public var face: DetectedFace? {
        if case .face(let face) = self { return face }
        return nil
    }

    /// Why there is no face to use, in words ("no face found", "3 faces of similar size"); nil when there is one.
    public var problem: String? {
        switch self {
        case .face: return nil
        case .noFace: return "no face found (probability >= \(Self.minimumProbability))"
        case .severalFaces(let count): return "\(count) faces of similar size, none dominant"
        }
    }
}
