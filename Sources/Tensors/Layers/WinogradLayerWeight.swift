import Foundation

/// A 3x3 layer's way through `ConvolutionChoice`: its Float32 weight, and the Winograd form of it, made at first use
/// and kept only while Winograd is what the layer runs (the form takes 4x the weight's memory).
package final class WinogradLayerWeight: @unchecked Sendable {
    private let weight: Tensor
    private let lock = NSLock()
    private var transformed: WinogradConvolutionWeight?

    /// Nil where Winograd cannot run or is switched off: the kernel shape is not 3x3 at stride 1 with padding 1, the
    /// processor lacks the kernel, or `TBD_CONVOLUTION=direct`.
    package init?(_ weight: Tensor, stride: Int, padding: Int, setting: ConvolutionChoice.Setting = ConvolutionChoice.current) {
        guard weight.rank == 4, weight.shape[2] == 3, weight.shape[3] == 3, stride == 1, padding == 1,
              WinogradConvolutionWeight.kernelRuns, setting != .forced(.direct) else { return nil }
        self.weight = weight
    }

    private func winogradWeight() -> WinogradConvolutionWeight {
        lock.withLock {
            if let transformed { return transformed }
            let made = WinogradConvolutionWeight(weight)
            transformed = made
            return made
        }
    }

    private func release() { lock.withLock { transformed = nil } }

    /// Whether the Winograd form is held now (for checks).
    package var holdsTransformedWeight: Bool { lock.withLock { transformed != nil } }

    /// The convolution by the algorithm chosen for the input's shape: measured on this call where none is yet.
    package func callAsFunction(_ input: Tensor, bias: Tensor?, setting: ConvolutionChoice.Setting = ConvolutionChoice.current) -> Tensor {
        let direct = { input.conv2d(weight: self.weight, bias: bias, stride: 1, padding: 1) }
        switch setting {
        case .forced(.winograd): return input.winogradConv2d(weight: winogradWeight(), bias: bias)
        case .forced(.direct): return direct()
        case .automatic: break
        }
        let shape = ConvolutionChoice.Shape(channels: input.shape[1], outChannels: weight.shape[0], height: input.shape[2],
                                            width: input.shape[3], images: input.shape[0])
        switch ConvolutionChoice.decision(for: shape) {
        case .winograd?: return input.winogradConv2d(weight: winogradWeight(), bias: bias)
        case .direct?:
            release()
            return direct()
        case nil:
            // The weight's transform is paid once, outside the timing: it is not part of a call that follows.
            let transformedWeight = winogradWeight()
            let start = DispatchTime.now().uptimeNanoseconds
            let byWinograd = input.winogradConv2d(weight: transformedWeight, bias: bias)
            let middle = DispatchTime.now().uptimeNanoseconds
            let byDirect = direct()
            let end = DispatchTime.now().uptimeNanoseconds
            let chosen = ConvolutionChoice.record(.init(shape: shape, direct: Double(end - middle) / 1e9, winograd: Double(middle - start) / 1e9))
            if chosen == .direct { release() }
            return chosen == .winograd ? byWinograd : byDirect
        }
    }
}
