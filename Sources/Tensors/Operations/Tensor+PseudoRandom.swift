extension Tensor {
    /// Deterministic values in [-1, 1] (a linear congruential generator), for benchmark and test inputs: the
    /// same on every machine, and cheaper than Gaussian noise for multi-megabyte inputs.
    package static func pseudoRandom(_ shape: [Int], seed: UInt64) -> Tensor {
        var state = seed
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values[index] = Float(Int64(bitPattern: state >> 11) % 2_000_001) / 1_000_000 - 1
        }
        return Tensor(shape: shape, scalars: values)
    }
}
