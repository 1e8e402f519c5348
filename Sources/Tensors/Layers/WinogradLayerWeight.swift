import Foundation

/// A 3x3 layer's way through `ConvolutionChoice`: its direct kernel, and the Winograd form of its weight, made at
/// first use and kept only while Winograd is what the layer runs (the form takes 4x the weight's memory).
///
/// At Float32 the direct kernel is `conv2d` on the Float32 weight. At `--precision bf16` on AVX512-BF16 it is the
/// BF16 direct kernel, and Winograd runs in Float32 on the BF16-rounded weight: Winograd's products cannot be BF16
/// (rounding the transformed tiles and weights to BF16 makes one 320-channel layer's error 2.6e-2 against
/// Float64, against 2.3e-3 for the BF16 direct kernel), but its Float32 path does a quarter of the multiplications
/// and so often beats the BF16 kernel's doubled rate.
package final class WinogradLayerWeight: @unchecked Sendable {
    private let direct: @Sendable (Tensor, Tensor?) -> Tensor
    /// The Float32 weight Winograd transforms (the rounded one at bf16).
    private let source: @Sendable () -> Tensor
    private let directKernel: ConvolutionChoice.DirectKernel
    private let outChannels: Int
    private let lock = NSLock()
    private var transformed: WinogradConvolutionWeight?

    /// Nil where Winograd cannot run or is switched off: the kernel shape is not 3x3 at stride 1 with padding 1, the
    /// processor lacks the kernel, or `TBD_CONVOLUTION=direct`.
    package convenience init?(_ weight: Tensor, stride: Int, padding: Int, setting: ConvolutionChoice.Setting = ConvolutionChoice.current) {
        guard Self.runs(weight.shape, stride: stride, padding: padding, setting: setting) else { return nil }
        self.init(direct: { input, bias in input.conv2d(weight: weight, bias: bias, stride: 1, padding: 1) },
                  source: { weight }, kernel: .float32, outChannels: weight.shape[0])
    }

    /// A bf16 layer: the BF16 direct kernel against Winograd on the rounded weight, unpacked only to transform it.
    package convenience init?(bf16 weight: BF16ConvolutionWeight, stride: Int, padding: Int,
                              setting: ConvolutionChoice.Setting = ConvolutionChoice.current) {
        let shape = [weight.outChannels, weight.channels, weight.kernelSize, weight.kernelSize]
        guard Self.runs(shape, stride: stride, padding: padding, setting: setting) else { return nil }
        self.init(direct: { input, bias in input.directConv2d(weight: weight, bias: bias) },
                  source: { weight.unpacked }, kernel: .bf16, outChannels: weight.outChannels)
    }

    private init(direct: @escaping @Sendable (Tensor, Tensor?) -> Tensor, source: @escaping @Sendable () -> Tensor,
                 kernel: ConvolutionChoice.DirectKernel, outChannels: Int) {
        (self.direct, self.source, self.directKernel, self.outChannels) = (direct, source, kernel, outChannels)
    }

    private static func runs(_ shape: [Int], stride: Int, padding: Int, setting: ConvolutionChoice.Setting) -> Bool {
        shape.count == 4 && shape[2] == 3 && shape[3] == 3 && stride == 1 && padding == 1
            && WinogradConvolutionWeight.kernelRuns && setting != .forced(.direct)
    }

    private func winogradWeight() -> WinogradConvolutionWeight {
        lock.withLock {
            if let transformed { return transformed }
            let made = WinogradConvolutionWeight(source())
            transformed = made
            return made
        }
    }

    private func release() { lock.withLock { transformed = nil } }

    /// Whether the Winograd form is held now (for checks).
    package var holdsTransformedWeight: Bool { lock.withLock { transformed != nil } }

    /// The convolution by the algorithm chosen for the input's shape: measured on this call where none is yet.
    package func callAsFunction(_ input: Tensor, bias: Tensor?, setting: ConvolutionChoice.Setting = ConvolutionChoice.current) -> Tensor {
        switch setting {
        case .forced(.winograd): return input.winogradConv2d(weight: winogradWeight(), bias: bias)
        case .forced(.direct): return direct(input, bias)
        case .automatic: break
        }
        let shape = ConvolutionChoice.Shape(channels: input.shape[1], outChannels: outChannels, height: input.shape[2],
                                            width: input.shape[3], images: input.shape[0], directKernel: directKernel)
        switch ConvolutionChoice.decision(for: shape) {
        case .winograd?: return input.winogradConv2d(weight: winogradWeight(), bias: bias)
        case .direct?:
            release()
            return direct(input, bias)
        case nil:
            // The weight's transform is paid once, outside the timing: it is not part of a call that follows.
            let transformedWeight = winogradWeight()
            let start = DispatchTime.now().uptimeNanoseconds
            let byWinograd = input.winogradConv2d(weight: transformedWeight, bias: bias)
            let middle = DispatchTime.now().uptimeNanoseconds
            let byDirect = direct(input, bias)
            let end = DispatchTime.now().uptimeNanoseconds
            let chosen = ConvolutionChoice.record(.init(shape: shape, direct: Double(end - middle) / 1e9, winograd: Double(middle - start) / 1e9))
            if chosen == .direct { release() }
            return chosen == .winograd ? byWinograd : byDirect
        }
    }
}
