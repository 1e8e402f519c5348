import Foundation

/// The ways a 3x3 convolution at stride 1 with padding 1 runs: the direct kernel (`directConv2d`, Float32 or BF16
/// as the layer's precision is), Winograd's F(4x4, 3x3) in Float32 on a weight transformed once (`winogradConv2d`)
/// or transformed inside each call (`winogradConv2d(streamed:)`, the weight held once), or one packed product over
/// the unfolded patches (`productConv2d`, the layer's precision; a candidate on small images only, see
/// `ConvolutionCandidates`).
package enum ConvolutionAlgorithm: String, Sendable {
    case direct, winograd, unfolded
    case winogradStreamed = "winograd-streamed"
}

/// Which algorithm each 3x3 layer runs. Which is faster depends on the shape and the machine (Winograd does 4x
/// fewer multiplications but moves more memory, which loses on the few tiles of small images, where the direct
/// kernel in turn computes mostly padding), so it is measured, not derived: the first call of each shape (channels,
/// outputs, height, width, images) times each candidate on its real input (the faster of two runs) and the process
/// keeps the fastest for every later call of that shape, where a layer runs Winograd only while its transformed
/// weight fits `TransformedWeightBudget` (the runner-up otherwise). Streamed Winograd (the weight transformed in
/// each call, block by block) is one of the candidates: it needs no more memory than the weight, so it is what the
/// layers left out of the budget run wherever it beats the direct kernel and the product. A bf16 layer's shapes are
/// measured apart from Float32's, against the BF16 kernels.
///
/// `TBD_CONVOLUTION` forces one: `direct` (what the parity fixtures were made against, bit for bit as before),
/// `winograd`, `winograd-streamed`, `unfolded`, or `auto` (the default).
package enum ConvolutionChoice {
    package enum Setting: Equatable, Sendable {
        case automatic
        case forced(ConvolutionAlgorithm)

        /// The setting a value of `TBD_CONVOLUTION` names (unset or empty: automatic); nil for one that names none.
        package init?(named value: String?) {
            switch value?.lowercased() {
            case nil, "", "auto": self = .automatic
            case "direct": self = .forced(.direct)
            case "winograd": self = .forced(.winograd)
            case "unfolded": self = .forced(.unfolded)
            case "winograd-streamed": self = .forced(.winogradStreamed)
            default: return nil
            }
        }
    }

    /// This process's setting, read once.
    package static let setting: Setting = {
        let value = ProcessInfo.processInfo.environment["TBD_CONVOLUTION"]
        guard let setting = Setting(named: value) else {
            fatalError("TBD_CONVOLUTION is \"\(value ?? "")\": use direct, winograd, winograd-streamed, unfolded or auto")
        }
        return setting
    }()

    /// A setting for the work of one task instead of the process's (checks that run a network on each algorithm).
    @TaskLocal package static var taskSetting: Setting?

    /// What a layer called now follows: the task's setting, else the process's.
    package static var current: Setting { taskSetting ?? setting }

    /// The direct kernel Winograd is measured against: Float32's, or the BF16 one of `--precision bf16`.
    package enum DirectKernel: String, Hashable, Sendable {
        case float32, bf16
    }

    /// One convolution's shape and direct kernel: what the choice is kept for.
    package struct Shape: Hashable, Sendable, CustomStringConvertible {
        package let channels, outChannels, height, width, images: Int
        package var directKernel: DirectKernel = .float32
        package var description: String {
            "\(images)x\(channels)x\(height)x\(width) -> \(outChannels)" + (directKernel == .bf16 ? " (bf16)" : "")
        }
    }

    /// One measured choice: each candidate's time, in seconds (the unfolded product's where it was a candidate;
    /// streamed Winograd's where it was timed), and the algorithm kept.
    package struct Measurement: Sendable {
        package let shape: Shape
        package let direct: Double
        package let winograd: Double
        package var unfolded: Double?
        package var winogradStreamed: Double?
        package var chosen: ConvolutionAlgorithm { fastest().algorithm }

        /// The fastest candidate other than `excluded`, with its time (on a tie the direct kernel, then Winograd).
        package func fastest(excluding excluded: ConvolutionAlgorithm? = nil) -> (algorithm: ConvolutionAlgorithm, seconds: Double) {
            let candidates: [(algorithm: ConvolutionAlgorithm, seconds: Double)] =
                [(.direct, direct), (.winograd, winograd)] + (unfolded.map { [(.unfolded, $0)] } ?? [])
                + (winogradStreamed.map { [(.winogradStreamed, $0)] } ?? [])
            return candidates.filter { $0.algorithm != excluded }.min { $0.seconds < $1.seconds }!
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var measured: [Shape: Measurement] = [:]
    nonisolated(unsafe) private static var order: [Shape] = []

    /// The algorithm kept for `shape`, if its first call has run.
    package static func decision(for shape: Shape) -> ConvolutionAlgorithm? {
        measurement(for: shape)?.chosen
    }

    /// The first call's measurement of `shape`, if it has run.
    package static func measurement(for shape: Shape) -> Measurement? {
        lock.withLock { measured[shape] }
    }

    /// Keeps a measurement and returns the one kept for its shape: the first wins (two threads may measure one
    /// shape at once).
    @discardableResult
    package static func record(_ measurement: Measurement) -> Measurement {
        lock.withLock {
            if let kept = measured[measurement.shape] { return kept }
            measured[measurement.shape] = measurement
            order.append(measurement.shape)
            return measurement
        }
    }

    /// Every measurement of this process in the order the shapes first ran (for benchmark reports).
    package static var measurements: [Measurement] {
        lock.withLock { order.compactMap { measured[$0] } }
    }
}
