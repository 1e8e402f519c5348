import Foundation

/// Timings of the sgemm-bound operations at Stable Diffusion 1.5's sizes, for `tbd model bench` and
/// scripts/bench/50-renderer.sh. Each figure is the median of `repeats` runs after one warm-up run. Developer API:
/// `@_spi(Development) import Tensors`.
@_spi(Development) public enum OperationBenchmarks {
    public struct Result: Encodable, Sendable {
        public let name: String
        public let seconds: Double
        /// Floating-point operations of one run (multiply and add counted separately); 0 when not meaningful.
        public let flops: Double
        public var gflopsPerSecond: Double { flops > 0 ? flops / seconds / 1e9 : 0 }

        public init(name: String, seconds: Double, flops: Double) {
            (self.name, self.seconds, self.flops) = (name, seconds, flops)
        }

        enum CodingKeys: String, CodingKey { case name, seconds, flops, gflopsPerSecond }
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(seconds, forKey: .seconds)
            try container.encode(flops, forKey: .flops)
            try container.encode(gflopsPerSecond, forKey: .gflopsPerSecond)
        }
    }

    public static func median(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    /// sgemm peak (a square product), then linear, conv2d and attention at SD1.5 UNet and CLIP sizes; with
    /// `matching`, only the operations whose name contains it (the sgemm peak always runs, as the reference).
    public static func operations(repeats: Int = 5, matching filter: String? = nil) -> [Result] {
        typealias Operation = (name: String, flops: Double, run: () -> Void)
        let square = Tensor.pseudoRandom([2048, 2048], seed: 1), squareB = Tensor.pseudoRandom([2048, 2048], seed: 2)
        let clipInput = Tensor.pseudoRandom([2, 77, 768], seed: 3), clipWeight = Tensor.pseudoRandom([3072, 768], seed: 4), clipBias = Tensor.pseudoRandom([3072], seed: 5)
        let unetInput = Tensor.pseudoRandom([2, 4096, 320], seed: 6), unetWeight = Tensor.pseudoRandom([1280, 320], seed: 7), unetBias = Tensor.pseudoRandom([1280], seed: 8)
        let image = Tensor.pseudoRandom([1, 320, 64, 64], seed: 9), kernel = Tensor.pseudoRandom([320, 320, 3, 3], seed: 10), kernelBias = Tensor.pseudoRandom([320], seed: 11)
        let pointwise = Tensor.pseudoRandom([640, 320, 1, 1], seed: 12)
        let q = Tensor.pseudoRandom([1, 4096, 320], seed: 13), k = Tensor.pseudoRandom([1, 4096, 320], seed: 14), v = Tensor.pseudoRandom([1, 4096, 320], seed: 15)
        let context = Tensor.pseudoRandom([1, 77, 320], seed: 16)
        // ReferenceNet's attention at 64x64 latents: the frame's tokens attend to themselves and the reference's.
        let referenceK = Tensor.pseudoRandom([1, 8192, 320], seed: 19), referenceV = Tensor.pseudoRandom([1, 8192, 320], seed: 20)
        let clipQ = Tensor.pseudoRandom([2, 77, 768], seed: 17)
        let scores = Tensor.pseudoRandom([4096, 4096], seed: 18)
        // Weights packed as the models pack them at load.
        let clipLinear = PackedLinearWeight(clipWeight), unetLinear = PackedLinearWeight(unetWeight)
        let operations: [Operation] = [
            ("sgemm 2048x2048x2048", 2 * pow(2048, 3), { _ = square.matmul(squareB) }),
            ("linear CLIP MLP [154,768]x[768,3072]", 2 * 154 * 768 * 3072, { _ = clipInput.linear(clipLinear, bias: clipBias) }),
            ("linear UNet FF [8192,320]x[320,1280]", 2 * 8192 * 320 * 1280, { _ = unetInput.linear(unetLinear, bias: unetBias) }),
            ("conv2d 3x3 320->320 at 64x64", 2 * 320 * 320 * 9 * 64 * 64, { _ = image.conv2d(weight: kernel, bias: kernelBias, padding: 1) }),
            ("conv2d 1x1 320->640 at 64x64", 2 * 640 * 320 * 64 * 64, { _ = image.conv2d(weight: pointwise, bias: nil) }),
            ("self-attention 4096 tokens, 8 heads x 40", 2 * 2 * 8 * 4096 * 4096 * 40,
             { _ = Attention.scaledDotProduct(query: q, key: k, value: v, heads: 8) }),
            ("reference attention 4096x8192 tokens, 8 heads x 40", 2 * 2 * 8 * 4096 * 8192 * 40,
             { _ = Attention.scaledDotProduct(query: q, key: referenceK, value: referenceV, heads: 8) }),
            ("cross-attention 4096x77 tokens, 8 heads x 40", 2 * 2 * 8 * 4096 * 77 * 40,
             { _ = Attention.scaledDotProduct(query: q, key: context, value: context, heads: 8) }),
            ("softmax 4096 rows x 4096 (one head's scores)", 0, { _ = scores.softmaxLastDimension() }),
            ("causal self-attention 2x77 tokens, 12 heads x 64", 2 * 2 * 2 * 12 * 77 * 77 * 64,
             { _ = Attention.scaledDotProduct(query: clipQ, key: clipQ, value: clipQ, heads: 12, causal: true) }),
        ]
        return operations.enumerated()
            .filter { $0.offset == 0 || filter.map($0.element.name.contains) ?? true }
            .map { Result(name: $0.element.name, seconds: median(repeats: repeats, $0.element.run), flops: $0.element.flops) }
    }
}
