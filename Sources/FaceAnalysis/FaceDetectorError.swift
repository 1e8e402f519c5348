import Foundation

public enum FaceDetectorError: Error, Equatable, CustomStringConvertible {
    /// The weights folder or one of its three files is missing.
    case missingWeights(folder: String, file: String)
    /// A weight file could not be read as the network it should hold.
    case unreadableWeights(file: String, reason: String)
    /// The image is smaller than the smallest face the cascade looks for.
    case imageTooSmall(width: Int, height: Int)
    /// A face given as numbers that cannot be one (non-finite, a box with x2 < x1, not five landmarks).
    case unusableFace(String)

    public var description: String {
        switch self {
        case .missingWeights(let folder, let file):
            return "face detector weights missing: \(file) is not in \(folder); run `python3 scripts/fetch-face-weights.py` "
                + "(make deps runs it) or point TBD_FACE_WEIGHTS at a folder holding pnet, rnet and onet.safetensors"
        case .unreadableWeights(let file, let reason):
            return "face detector weights \(file) cannot be used: \(reason); rerun `python3 scripts/fetch-face-weights.py` to replace it"
        case .unusableFace(let detail):
            return "not a usable face: \(detail)"
        case .imageTooSmall(let width, let height):
            return "an image of \(width)x\(height) pixels is too small to hold a face (the detector needs at least 12x12)"
        }
    }
}
