import Foundation
import WinogradConvolution

/// The ways a 3x3 layer at stride 1 and padding 1 can run, for `ConvolutionChoice` to measure: its direct kernel,
/// Winograd's F(4x4, 3x3) on a weight transformed once or transformed inside each call (streamed), and (on images
/// with no more positions than the layer has outputs) one product over unfolded patches on a packed weight. The
/// transformed, streamed and packed forms are made at first use and kept only while their algorithm is what the
/// layer runs: the transformed one takes 4x the weight's memory beside the weight, so a layer keeps it only while
/// `TransformedWeightBudget` admits the layer and otherwise runs its shape's runner-up (often streamed Winograd,
/// which pays the transform on every call but needs no more memory); the streamed and packed ones replace a
/// Float32 weight while they are kept (a bf16 layer keeps its BF16 kernel's weight beside them).
///
/// At Float32 the direct kernel is `conv2d` on the Float32 weight and the product the Float32 packed product. At
/// `--precision bf16` on AVX512-BF16 the direct kernel and the product are the BF16 ones, and Winograd runs in
/// Float32 on the BF16-rounded weight: Winograd's products cannot be BF16 (rounding the transformed tiles and
/// weights to BF16 makes one 320-channel layer's error 2.6e-2 against Float64, against 2.3e-3 for the BF16 direct
/// kernel), but its Float32 path does a quarter of the multiplications and so often beats the BF16 kernel's doubled
/// rate.
///
/// Why the product: the direct kernel computes tiles of positions on a padded layout, so on the UNet's 4x4 images
/// (36 padded positions for 16 outputs) most of its work is padding, while a product over the 32 patches of a batch
/// of two does none; it streams the whole weight once per call either way.
package final class ConvolutionCandidates: @unchecked Sendable {
    /// What the direct kernel runs on: the Float32 weight, or the BF16 kernel's packed weight.
    private enum Kind {
        case float32
        case bf16(BF16ConvolutionWeight)
    }

    private let kind: Kind
    private let outChannels: Int
    private let lock = NSLock()
    /// A Float32 layer's weight [O, C, 3, 3], dropped while the unfolded product is kept (its packed form then holds
    /// the weight, so the layer keeps it once) and unpacked again where another algorithm needs it.
    private var plain: Tensor?
    private var transformed: WinogradConvolutionWeight?
    private var streamed: StreamedWinogradWeight?
    private var packed: PackedLinearWeight?
    /// Where the transformed weight's memory is counted: a layer holds it after a choice of Winograd only while the
    /// budget admits the layer, and runs the runner-up otherwise.
    private let budget: TransformedWeightBudget
    /// Whether `budget` counts this layer's transformed weight as held (a form made only to be timed, or for a
    /// forced Winograd call, is not counted).
    private var counted = false
    /// The bytes of this layer's transformed weight.
    private let transformedBytes: Int

    private static func transformedBytes(channels: Int, outChannels: Int) -> Int {
        winograd_packed_weight_count(Int32(channels), Int32(outChannels)) * MemoryLayout<Float>.size
    }

    /// Nil where Winograd cannot run or is switched off: the kernel shape is not 3x3 at stride 1 with padding 1, the
    /// processor lacks the kernel, or `TBD_CONVOLUTION=direct`.
    package init?(_ weight: Tensor, stride: Int, padding: Int, setting: ConvolutionChoice.Setting = ConvolutionChoice.current,
                  budget: TransformedWeightBudget = .shared) {
        guard Self.runs(weight.shape, stride: stride, padding: padding, setting: setting) else { return nil }
        (kind, outChannels, plain, self.budget) = (.float32, weight.shape[0], weight, budget)
        transformedBytes = Self.transformedBytes(channels: weight.shape[1], outChannels: weight.shape[0])
    }

    /// A bf16 layer: the BF16 direct kernel against Winograd on the rounded weight (unpacked only to transform it)
    /// and the BF16 product.
    package init?(bf16 weight: BF16ConvolutionWeight, stride: Int, padding: Int,
                  setting: ConvolutionChoice.Setting = ConvolutionChoice.current, budget: TransformedWeightBudget = .shared) {
        let shape = [weight.outChannels, weight.channels, weight.kernelSize, weight.kernelSize]
        guard Self.runs(shape, stride: stride, padding: padding, setting: setting) else { return nil }
        (kind, outChannels, self.budget) = (.bf16(weight), weight.outChannels, budget)
        transformedBytes = Self.transformedBytes(channels: weight.channels, outChannels: weight.outChannels)
    }

    deinit { budget.leave(ObjectIdentifier(self)) }

    /// Drops the transformed weight the budget counts (when a better layer displaces this one).
    private func dropCountedTransform() {
        lock.withLock {
            guard counted else { return }
            (transformed, counted) = (nil, false)
            budget.release(ObjectIdentifier(self))
        }
    }

    private static func runs(_ shape: [Int], stride: Int, padding: Int, setting: ConvolutionChoice.Setting) -> Bool {
        shape.count == 4 && shape[2] == 3 && shape[3] == 3 && stride == 1 && padding == 1
            && WinogradConvolutionWeight.kernelRuns && setting != .forced(.direct)
    }

    /// Whether the unfolded product is a candidate for `input`: its patches (one row each) are no more than the
    /// layer's outputs, so the unfolded input is no larger than the weight the product streams anyway.
    package func productFits(_ input: Tensor) -> Bool { input.shape[0] * input.shape[2] * input.shape[3] <= outChannels }

    /// The Float32 weight [O, C, 3, 3] (the BF16-rounded one at bf16).
    package var float32Weight: Tensor { lock.withLock { sourceLocked() } }

    private func sourceLocked() -> Tensor {
        switch kind {
        case .bf16(let weight): return weight.unpacked
        case .float32:
            if let plain { return plain }
            let weight: Tensor
            if streamed != nil {
                weight = StreamedWinogradWeight.unarrange(&streamed)
            } else {
                let restored = packed!.unpacked
                weight = restored.reshaped([outChannels, restored.count / (outChannels * 9), 3, 3])
            }
            plain = weight
            return weight
        }
    }

    private func winogradWeight() -> WinogradConvolutionWeight {
        lock.withLock {
            if let transformed { return transformed }
            let made = WinogradConvolutionWeight(sourceLocked())
            transformed = made
            return made
        }
    }

    private func streamedWeight() -> StreamedWinogradWeight {
        lock.withLock {
            if let streamed { return streamed }
            var weight = sourceLocked()
            // The streamed form takes the weight's storage: PyTorch's layout is not held beside it.
            if case .float32 = kind { plain = nil }
            let made = StreamedWinogradWeight(taking: &weight)
            streamed = made
            return made
        }
    }

    private func packedWeight() -> PackedLinearWeight {
        lock.withLock {
            if let packed { return packed }
            let weight = sourceLocked()
            let made = PackedLinearWeight(weight.reshaped([outChannels, weight.count / outChannels]),
                                          precision: directKernel == .bf16 ? .bf16 : .f32)
            packed = made
            return made
        }
    }

    /// Keeps the form `algorithm` runs on and drops the others, the weight itself always held in one of them. The
    /// freed blocks stay in the process's heap (`HeapReuse`) for the next form or activations: giving their pages
    /// back to the system after each drop (`malloc_trim`) saved 0.3 GB of the UNet's peak at 32x32 latents, but the
    /// activations of the next evaluation then faulted their pages in again (+0.5 s on it) and the first
    /// evaluation took 4 s longer.
    private func keep(_ algorithm: ConvolutionAlgorithm) {
        lock.withLock {
            // A Float32 layer's weight is held by the streamed or packed form while that form is what it runs, and
            // in PyTorch's layout otherwise.
            let heldByForm = (algorithm == .winogradStreamed && streamed != nil) || (algorithm == .unfolded && packed != nil)
            if case .float32 = kind, plain == nil, !heldByForm { _ = sourceLocked() }
            if algorithm != .winograd {
                transformed = nil
                if counted { budget.release(ObjectIdentifier(self)); counted = false }
            }
            if algorithm != .winogradStreamed { streamed = nil }
            if algorithm != .unfolded { packed = nil }
            if case .float32 = kind, heldByForm { plain = nil }
        }
    }

    /// Whether the Winograd form is held now (for checks).
    package var holdsTransformedWeight: Bool { lock.withLock { transformed != nil } }
    /// Whether the streamed Winograd form is held now (for checks).
    package var holdsStreamedWeight: Bool { lock.withLock { streamed != nil } }
    /// Whether the packed form of the unfolded product is held now (for checks).
    package var holdsPackedWeight: Bool { lock.withLock { packed != nil } }
    /// Whether a Float32 layer holds its weight in PyTorch's layout now (for checks).
    package var holdsPlainWeight: Bool { lock.withLock { plain != nil } }

    private func run(_ algorithm: ConvolutionAlgorithm, _ input: Tensor, bias: Tensor?) -> Tensor {
        switch algorithm {
        case .direct:
            switch kind {
            case .float32: return input.conv2d(weight: float32Weight, bias: bias, stride: 1, padding: 1)
            case .bf16(let weight): return input.directConv2d(weight: weight, bias: bias)
            }
        case .winograd: return input.winogradConv2d(weight: winogradWeight(), bias: bias)
        case .winogradStreamed: return input.winogradConv2d(streamed: streamedWeight(), bias: bias)
        case .unfolded: return input.productConv2d(weight: packedWeight(), bias: bias, kernel: 3, stride: 1, padding: 1)
        }
    }

    private var directKernel: ConvolutionChoice.DirectKernel {
        switch kind {
        case .float32: return .float32
        case .bf16: return .bf16
        }
    }

    /// What this layer runs for a shape measured as `measurement`: its choice, except that a choice of Winograd
    /// holds only while the budget admits this layer (else the runner-up runs).
    private func algorithm(for measurement: ConvolutionChoice.Measurement) -> ConvolutionAlgorithm {
        guard measurement.chosen == .winograd else { return measurement.chosen }
        let runnerUp = measurement.fastest(excluding: .winograd)
        let holding = lock.withLock { counted }
        if budget.mayHold(ObjectIdentifier(self), bytes: transformedBytes, secondsSaved: runnerUp.seconds - measurement.winograd,
                          holding: holding, drop: { [weak self] in self?.dropCountedTransform() }) {
            lock.withLock { counted = true }
            return .winograd
        }
        return runnerUp.algorithm
    }

    /// The convolution by the algorithm chosen for the input's shape: measured on this call where none is yet.
    package func callAsFunction(_ input: Tensor, bias: Tensor?, setting: ConvolutionChoice.Setting = ConvolutionChoice.current) -> Tensor {
        if case .forced(let algorithm) = setting { return run(algorithm, input, bias: bias) }
        let shape = ConvolutionChoice.Shape(channels: input.shape[1], outChannels: outChannels, height: input.shape[2],
                                            width: input.shape[3], images: input.shape[0], directKernel: directKernel)
        if let measured = ConvolutionChoice.measurement(for: shape) {
            let algorithm = algorithm(for: measured)
            // Kept after the call, which makes the chosen form where this layer has none yet: the others go at once.
            let output = run(algorithm, input, bias: bias)
            keep(algorithm)
            return output
        }
        // Each weight's transform or packing is paid once, outside the timing: it is not part of a call that follows.
        // Each candidate runs twice and keeps its faster time: a first run also pays for fresh pages and cold
        // caches, which made single timings pick differently from one process to the next.
        func timed(_ algorithm: ConvolutionAlgorithm) -> (output: Tensor, seconds: Double) {
            switch algorithm {
            case .winograd: _ = winogradWeight()
            case .winogradStreamed: _ = streamedWeight()
            case .unfolded: _ = packedWeight()
            case .direct: break
            }
            var fastest = Double.infinity, output = input
            for _ in 0..<2 {
                let start = DispatchTime.now().uptimeNanoseconds
                output = run(algorithm, input, bias: bias)
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return (output, fastest)
        }
        // Streamed Winograd's form goes before the transformed weight is made, and each loser's before the product's
        // is, so a layer holds at most two forms at once. A form kept is made again where its algorithm wins.
        let byDirect = timed(.direct), byStreamed = timed(.winogradStreamed)
        keep(.direct)
        let byWinograd = timed(.winograd)
        var outputs: [ConvolutionAlgorithm: Tensor] = [.winograd: byWinograd.output, .direct: byDirect.output,
                                                       .winogradStreamed: byStreamed.output]
        var measurement = ConvolutionChoice.Measurement(shape: shape, direct: byDirect.seconds, winograd: byWinograd.seconds,
                                                        winogradStreamed: byStreamed.seconds)
        if productFits(input) {
            keep(measurement.chosen)
            let byProduct = timed(.unfolded)
            outputs[.unfolded] = byProduct.output
            measurement.unfolded = byProduct.seconds
        }
        let algorithm = algorithm(for: ConvolutionChoice.record(measurement))
        keep(algorithm)
        return outputs[algorithm] ?? run(algorithm, input, bias: bias)
    }
}
