import Foundation
import WinogradConvolution

/// A 3x3 convolution weight [out, in, 3, 3] for Winograd's F(4x4, 3x3) with the weight transformed inside each call
/// (WinogradConvolution.h, "Streamed weights"): the weight's own floats in panels of 32 outputs, each tap of a
/// panel contiguous, so the call transforms a block of them at a time for each block's 36 products. It holds the
/// weight once, where a transformed weight (4x the weight) does not fit `TransformedWeightBudget`.
///
/// The arrangement takes the weight's own storage where the outputs fill whole panels (a panel of 32 outputs is
/// one contiguous run of PyTorch's layout, rearranged through a scratch copy of itself), and gives it back the same
/// way. A separate copy would leave the freed weight in the process's heap (`HeapReuse` keeps freed blocks): the
/// SD1.5 UNet at 64x64 latents peaked at 6.5 GB instead of 5.2 GB that way.
package struct StreamedWinogradWeight: @unchecked Sendable {
    package let outChannels: Int
    package let channels: Int
    package let arranged: [Float]

    private static let panel = Int(PACKED_MATRIX_PANEL)

    /// Channels per block of a call of `rows` tiles on this machine: the block's transformed weight and its packed
    /// inputs stay in half of one core's share of L3 (`winograd_streamed_channel_block`).
    package static func machineChannelBlock(rows: Int) -> Int {
        channelBlock(rows: rows, l2: CPUCaches.machine.l2, l3Share: CPUCaches.machine.l3 / max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// The channel block for `rows` tiles on a core with these caches (`l3Share` 0 where the L3 is unknown).
    package static func channelBlock(rows: Int, l2: Int, l3Share: Int) -> Int {
        Int(winograd_streamed_channel_block(l2, l3Share, Int32(rows)))
    }

    /// Arranges a copy of `weight` (for checks: the copy is made when the arrangement writes).
    package init(_ weight: Tensor) {
        var copy = weight
        self.init(taking: &copy)
    }

    /// Arranges `weight`, in its own storage where its outputs fill whole panels, and leaves `weight` empty.
    package init(taking weight: inout Tensor) {
        precondition(weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3, "Winograd F(4x4, 3x3) takes a 3x3 kernel, got \(weight.shape)")
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        (outChannels, channels) = (outputs, inputs)
        if outputs % Self.panel == 0 {
            var scalars = weight.scalars
            weight = Tensor(zeros: [0])  // `scalars` is now the storage's only reference, so it changes in place
            scalars.withUnsafeMutableBufferPointer { Self.rearrange($0.baseAddress!, channels: inputs, outputs: outputs, by: winograd_arrange_weight) }
            arranged = scalars
        } else {
            let panels = (outputs + Self.panel - 1) / Self.panel
            arranged = weight.scalars.withUnsafeBufferPointer { source in
                [Float](unsafeUninitializedCapacity: Int(winograd_streamed_weight_count(Int32(inputs), Int32(outputs)))) { target, initialized in
                    winograd_arrange_weight(source.baseAddress!, Int32(inputs), Int32(outputs), 0, Int32(panels), target.baseAddress!)
                    initialized = target.count
                }
            }
            weight = Tensor(zeros: [0])
        }
    }

    /// The weight in PyTorch's layout, in the form's own storage where it was arranged in place; `weight` is left nil.
    package static func unarrange(_ weight: inout StreamedWinogradWeight?) -> Tensor {
        let form = weight!
        var scalars = form.arranged
        weight = nil
        let shape = [form.outChannels, form.channels, 3, 3]
        if form.outChannels % panel == 0 {
            scalars.withUnsafeMutableBufferPointer {
                rearrange($0.baseAddress!, channels: form.channels, outputs: form.outChannels, by: winograd_unarrange_weight)
            }
            return Tensor(shape: shape, scalars: scalars)
        }
        return form.unarranged
    }

    /// The weight in PyTorch's layout, copied.
    package var unarranged: Tensor {
        let panels = (outChannels + Self.panel - 1) / Self.panel
        return Tensor(shape: [outChannels, channels, 3, 3]) { target in
            arranged.withUnsafeBufferPointer { source in
                winograd_unarrange_weight(source.baseAddress!, Int32(channels), Int32(outChannels), 0, Int32(panels), target)
            }
        }
    }

    /// Applies `convert` (arrange or unarrange, from a scratch copy) to each panel of `base` in place: a panel of 32
    /// outputs takes the same floats in both layouts.
    private static func rearrange(_ base: UnsafeMutablePointer<Float>, channels: Int, outputs: Int,
                                  by convert: (UnsafePointer<Float>, Int32, Int32, Int32, Int32, UnsafeMutablePointer<Float>) -> Void) {
        let length = panel * channels * 9
        concurrentChunks(count: outputs / panel, minimumChunk: 1) { panels in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: length)
            defer { scratch.deallocate() }
            for index in panels {
                let start = base + index * length
                scratch.update(from: start, count: length)
                convert(scratch, Int32(channels), Int32(panel), 0, 1, start)
            }
        }
    }
}
