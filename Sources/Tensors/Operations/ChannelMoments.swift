import Foundation

/// Per-channel mean and variance over time of time-major [T, C] blocks, merged block by block (Chan's parallel
/// update in double), so a group norm over a whole utterance can be computed without holding it all at once.
package struct ChannelMoments {
    package private(set) var count = 0
    package private(set) var mean: [Double]
    package private(set) var sumOfSquares: [Double]

    package init(channels: Int) {
        mean = [Double](repeating: 0, count: channels)
        sumOfSquares = [Double](repeating: 0, count: channels)
    }

    /// Adds `rows` rows of [rows, C].
    package mutating func add(_ block: UnsafePointer<Float>, rows: Int) {
        guard rows > 0 else { return }
        let channels = mean.count
        var blockMean = [Double](repeating: 0, count: channels)
        for row in 0..<rows {
            let values = block + row * channels
            for c in 0..<channels { blockMean[c] += Double(values[c]) }
        }
        for c in 0..<channels { blockMean[c] /= Double(rows) }
        var blockSquares = [Double](repeating: 0, count: channels)
        for row in 0..<rows {
            let values = block + row * channels
            for c in 0..<channels {
                let centred = Double(values[c]) - blockMean[c]
                blockSquares[c] += centred * centred
            }
        }
        let total = count + rows
        for c in 0..<channels {
            let delta = blockMean[c] - mean[c]
            sumOfSquares[c] += blockSquares[c] + delta * delta * Double(count) * Double(rows) / Double(total)
            mean[c] += delta * Double(rows) / Double(total)
        }
        count = total
    }

    /// The biased variance (PyTorch's normalisation statistic).
    package var variance: [Double] { sumOfSquares.map { count > 0 ? $0 / Double(count) : 0 } }
}
