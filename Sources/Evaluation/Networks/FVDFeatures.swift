import Foundation
import MediaIO
import Tensors

/// The features FVD compares: the Kinetics-400 I3D's 400 logits (averaged over time) of 16-frame clips, as
/// StyleGAN-V's FVD takes them from its TorchScript port of TF-Hub's I3D (`return_features=True`).
///
/// A clip is cut into consecutive, non-overlapping windows of 16 frames from its first frame; frames after the last
/// whole window are left out, and a clip shorter than 16 frames has no window. Each frame is resized to 224x224
/// (bilinear, `align_corners=False`, the aspect ratio not kept, as TF's FVD stretches frames) and scaled from
/// [0, 255] to [-1, 1] (the port's `rescale`).
public final class FVDFeatures: @unchecked Sendable {
    public static let dimension = InceptionI3D.classes
    public static let windowFrames = InceptionI3D.clipFrames
    /// Windows run through the network this many at a time, which bounds the memory the activations take.
    public static let batchSize = 2

    package let network: InceptionI3D

    /// Loads `i3d.safetensors` from WEIGHTS; refused, naming the file and where it is published, when absent.
    public convenience init(weights: EvaluationWeights = EvaluationWeights()) throws {
        self.init(network: try weights.load(.i3d, InceptionI3D.init))
    }

    package init(network: InceptionI3D) {
        self.network = network
    }

    /// The frame ranges of a clip of COUNT frames that FVD takes: [0, 16), [16, 32), ...
    public static func windows(frameCount count: Int) -> [Range<Int>] {
        (0..<(count / windowFrames)).map { ($0 * windowFrames)..<(($0 + 1) * windowFrames) }
    }

    /// Videos [N, 3, T, H, W] with values in [0, 1] -> [N, 400]: each frame resized to 224x224, then 2x - 1.
    public func features(_ videos: Tensor) -> Tensor {
        precondition(videos.rank == 5 && videos.shape[1] == 3, "I3D features take [N, 3, T, H, W], got \(videos.shape)")
        let side = InceptionI3D.inputSide
        let frames = videos.framesFirst().bilinearResized(height: side, width: side).map { 2 * $0 - 1 }
        return network(frames.framesToVideo(batch: videos.shape[0]))
    }

    /// One 400-d feature vector per 16-frame window of FRAMES (all of one size), in order; none for fewer frames.
    public func features(ofWindows frames: [RGBImage]) throws -> [[Float]] {
        let windows = Self.windows(frameCount: frames.count)
        var rows: [[Float]] = []
        for start in stride(from: 0, to: windows.count, by: Self.batchSize) {
            let batch = windows[start..<min(windows.count, start + Self.batchSize)]
            let clips = try batch.map { try FIDFeatures.unitPixels(Array(frames[$0])) }
            // [16, 3, H, W] per window -> [windows, 3, 16, H, W].
            let video = Tensor(shape: [clips.count * Self.windowFrames] + clips[0].shape.dropFirst(),
                               scalars: clips.flatMap(\.scalars)).framesToVideo(batch: clips.count)
            let output = features(video)
            rows += (0..<clips.count).map { Array(output.scalars[$0 * Self.dimension..<($0 + 1) * Self.dimension]) }
        }
        return rows
    }
}
