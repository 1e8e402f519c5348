import Foundation

/// The documented deterministic generator for initial latents: SplitMix64 seeded with `seed`, each pair of
/// outputs turned into two standard normal values by the Box-Muller transform (u1 from the top 53 bits, mapped
/// to (0, 1]; z0 = r cos(2 pi u2), z1 = r sin(2 pi u2), r = sqrt(-2 ln u1)), filled in row-major order.
/// Frame f of a clip with seed S uses seed S + f. It is not PyTorch's generator: for noise identical to a PyTorch
/// run, pass the tensor in a safetensors file instead.
public struct GaussianNoise {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in (0, 1].
    private mutating func unit() -> Double { (Double(next() >> 11) + 1) / 9_007_199_254_740_992 }

    public mutating func tensor(shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float]()
        values.reserveCapacity(count + 1)
        while values.count < count {
            let radius = (-2 * log(unit())).squareRoot()
            let angle = 2 * Double.pi * unit()
            values.append(Float(radius * cos(angle)))
            values.append(Float(radius * sin(angle)))
        }
        return Tensor(shape: shape, scalars: Array(values.prefix(count)))
    }
}
