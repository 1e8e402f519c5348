import Foundation
import Tensors

/// syncnet_python's network `S` (SyncNetModel.py, `num_layers_in_fc_layers` 1024) with the state-dict names of
/// `syncnet_v2.model`: an audio tower over MFCC windows and a lip tower over five-frame face crops, each ending in
/// two linear layers to a 1024-d embedding. Every BatchNorm (eps 1e-5, running statistics) is folded into the layer
/// before it at load. The lip tower's 3-D convolutions are 2-D ones: the first spans all five frames (its input
/// [N, 3, 5, H, W] is read as [N, 15, H, W], channel-major as the layout already is), the rest span one frame.
package struct SyncNet {
    /// The embedding size of both towers.
    package static let embedding = 1024
    /// MFCC coefficients x MFCC frames per audio window (0.2 s at 100 per second).
    package static let audioWindow = (coefficients: 13, frames: 20)
    /// Frames x side of a lip window.
    package static let lipWindow = (frames: 5, side: 224)

    let audioConvolutions: [Layer]
    let lipConvolutions: [Layer]
    let audioHead: Head
    let lipHead: Head

    /// A convolution with its BatchNorm folded in, then ReLU, then the pooling that follows it (if any).
    struct Layer {
        let weight: Tensor
        let bias: Tensor
        let stride: Int
        let padding: (height: Int, width: Int)
        let pool: Pool?

        func callAsFunction(_ input: Tensor) -> Tensor {
            let x = input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding).relu()
            return pool.map { $0(x) } ?? x
        }
    }

    /// The max pools the towers use: 3x3 at stride 2 (with padding 1 in the lip tower's second), and the audio
    /// tower's 3x3 at stride 1 down and 2 across, which is the stride-1 pool with every other column kept.
    enum Pool {
        case square(padding: Int)
        case downOneAcrossTwo

        func callAsFunction(_ x: Tensor) -> Tensor {
            switch self {
            case .square(let padding):
                return x.maxPool2d(kernel: 3, stride: 2, padding: padding)
            case .downOneAcrossTwo:
                let full = x.maxPool2d(kernel: 3, stride: 1)
                let (rows, width) = (full.shape[0] * full.shape[1] * full.shape[2], full.shape[3])
                let kept = (width + 1) / 2
                var values = [Float](repeating: 0, count: rows * kept)
                for row in 0..<rows {
                    for column in 0..<kept { values[row * kept + column] = full.scalars[row * width + 2 * column] }
                }
                return Tensor(shape: [full.shape[0], full.shape[1], full.shape[2], kept], scalars: values)
            }
        }
    }

    /// `Linear(512, 512)`, `BatchNorm1d(512)` (folded), ReLU, `Linear(512, 1024)`.
    struct Head {
        let first: PackedLinearWeight, firstBias: Tensor
        let second: PackedLinearWeight, secondBias: Tensor

        init(_ weights: WeightReader) throws {
            let weight = try weights("0.weight", shape: [512, 512]), bias = try weights("0.bias", shape: [512])
            let folded = try FoldedBatchNorm(weights.scope("1"), outputs: 512, epsilon: SyncNet.epsilon).fold(weight: weight, bias: bias)
            first = PackedLinearWeight(folded.weight)
            firstBias = folded.bias
            second = PackedLinearWeight(try weights("3.weight", shape: [SyncNet.embedding, 512]))
            secondBias = try weights("3.bias", shape: [SyncNet.embedding])
        }

        func callAsFunction(_ x: Tensor) -> Tensor {
            x.linear(first, bias: firstBias).relu().linear(second, bias: secondBias)
        }
    }

    static let epsilon = 1e-5

    package init(_ weights: WeightReader) throws {
        // (convolution index in the Sequential, input, output, kernel [time,] height, width, stride, padding, pool)
        func layer(_ scope: WeightReader, _ index: Int, _ shape: [Int], stride: Int = 1, padding: (Int, Int) = (0, 0),
                   pool: Pool? = nil) throws -> Layer {
            let weight = try scope("\(index).weight", shape: shape)
            let (output, height, width) = (shape[0], shape[shape.count - 2], shape[shape.count - 1])
            let flat = weight.reshaped([output, weight.count / (output * height * width), height, width])
            let folded = try FoldedBatchNorm(scope.scope("\(index + 1)"), outputs: output, epsilon: Self.epsilon)
                .fold(weight: flat, bias: try scope("\(index).bias", shape: [output]))
            return Layer(weight: folded.weight, bias: folded.bias, stride: stride, padding: padding, pool: pool)
        }
        let audio = weights.scope("netcnnaud")
        audioConvolutions = [
            try layer(audio, 0, [64, 1, 3, 3], padding: (1, 1)),  // MaxPool2d(1, 1) after it is the identity
            try layer(audio, 4, [192, 64, 3, 3], padding: (1, 1), pool: .downOneAcrossTwo),
            try layer(audio, 8, [384, 192, 3, 3], padding: (1, 1)),
            try layer(audio, 11, [256, 384, 3, 3], padding: (1, 1)),
            try layer(audio, 14, [256, 256, 3, 3], padding: (1, 1), pool: .square(padding: 0)),
            try layer(audio, 18, [512, 256, 5, 4]),
        ]
        let lip = weights.scope("netcnnlip")
        lipConvolutions = [
            try layer(lip, 0, [96, 3, 5, 7, 7], stride: 2, pool: .square(padding: 0)),
            try layer(lip, 4, [256, 96, 1, 5, 5], stride: 2, padding: (1, 1), pool: .square(padding: 1)),
            try layer(lip, 8, [256, 256, 1, 3, 3], padding: (1, 1)),
            try layer(lip, 11, [256, 256, 1, 3, 3], padding: (1, 1)),
            try layer(lip, 14, [256, 256, 1, 3, 3], padding: (1, 1), pool: .square(padding: 0)),
            try layer(lip, 18, [512, 256, 1, 6, 6]),
        ]
        audioHead = try Head(weights.scope("netfcaud"))
        lipHead = try Head(weights.scope("netfclip"))
    }

    /// `forward_aud`: MFCC windows [N, 1, 13, 20] -> [N, 1024].
    package func audio(_ mfcc: Tensor) -> Tensor {
        let window = Self.audioWindow
        precondition(mfcc.rank == 4 && mfcc.shape[1...] == [1, window.coefficients, window.frames],
                     "SyncNet's audio tower takes [N, 1, 13, 20], got \(mfcc.shape)")
        return audioHead(audioConvolutions.reduce(mfcc) { $1($0) }.reshaped([mfcc.shape[0], 512]))
    }

    /// `forward_lip`: lip windows [N, 3, 5, 224, 224] (BGR, 0...255, as cv2 reads frames) -> [N, 1024].
    package func lip(_ crops: Tensor) -> Tensor {
        let window = Self.lipWindow
        precondition(crops.rank == 5 && crops.shape[1...] == [3, window.frames, window.side, window.side],
                     "SyncNet's lip tower takes [N, 3, 5, 224, 224], got \(crops.shape)")
        let stacked = crops.reshaped([crops.shape[0], 3 * window.frames, window.side, window.side])
        return lipHead(lipConvolutions.reduce(stacked) { $1($0) }.reshaped([crops.shape[0], 512]))
    }
}
