import Foundation

/// The ways a 3x3 convolution at stride 1 with padding 1 runs: the direct kernel (`directConv2d`, Float32 or BF16
/// as the layer's precision is), Winograd's F(4x4, 3x3) in Float32 (`winogradConv2d`), or one packed product over
/// the unfolded patches (`productConv2d`, the layer's precision; a candidate on small images only, see
/// `ConvolutionCandidates`).
package enum ConvolutionAlgorithm: String, Sendable {
    case direct, winograd, unfolded
}

/// Which algorithm each 3x3 layer runs. Which is faster depends on the shape and the machine (Winograd does 4x
/// fewer multiplications but moves more memory, which loses on the few tiles of small images, where the direct
/// kernel in turn computes mostly padding), so it is measured, not derived: the first call of each shape (channels,
/// outputs, height, width, images) times each candidate on its real input (the faster of two runs) and the process
/// keeps the fastest for
/// every later call of that shape. A bf16 layer's shapes are measured apart from Float32's, against the BF16
/// kernels.
///
/// `TBD_CONVOLUTION` forces one: `direct` (what the parity fixtures were made against, bit for bit as before),
/// `winograd`, `unfolded`, or `auto` (the default).
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
            default: return nil
            }
        }
    }

    /// This process's setting, read once.
    package static let setting: Setting = {
        let value = ProcessInfo.processInfo.environment["TBD_CONVOLUTION"]
        guard let setting = Setting(named: value) else {
            fatalError("TBD_CONVOLUTION is \"\(value ?? "")\": use direct, winograd, unfolded or auto")
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

    /// One measured choice: each candidate's time, in seconds (the unfolded product's where it was a candidate),
    /// and the algorithm kept.
    package struct Measurement: Sendable {
        package let shape: Shape
        package let direct: Double
        package let winograd: Double
        package var unfolded: Double?
        package var chosen: ConvolutionAlgorithm {
            let fasterOfTwo: (ConvolutionAlgorithm, Double) = winograd < direct ? (.winograd, winograd) : (.direct, direct)
            guard let unfolded, unfolded < fasterOfTwo.1 else { return fasterOfTwo.0 }
            return .unfolded
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var measured: [Shape: Measurement] = [:]
    nonisolated(unsafe) private static var order: [Shape] = []

    /// The algorithm kept for `shape`, if its first call has run.
    package static func decision(for shape: Shape) -> ConvolutionAlgorithm? {
        lock.withLock { measured[shape]?.chosen }
    }

    /// Keeps a measurement; the first for a shape wins (two threads may measure one shape at once).
    @discardableResult
    package static func record(_ measurement: Measurement) -> ConvolutionAlgorithm {
        lock.withLock {
            if let kept = measured[measurement.shape] { return kept.chosen }
            measured[measurement.shape] = measurement
            order.append(measurement.shape)
            return measurement.chosen
        }
    }

    /// Every measurement of this process in the order the shapes first ran (for benchmark reports).
    package static var measurements: [Measurement] {
        lock.withLock { order.compactMap { measured[$0] } }
    }
}
