import Foundation
import WinogradConvolution

/// A 3x3 convolution weight [out, in, 3, 3] for Winograd's F(4x4, 3x3) with the weight transformed inside each call
/// (WinogradConvolution.h, "Streamed weights"): the weight's own floats in panels of 32 outputs, each tap of a
/// panel contiguous, so the call transforms a block of them into L2 for each block's 36 products. It holds the
/// weight once, in place of PyTorch's layout, where a transformed weight (4x the weight) does not fit
/// `TransformedWeightBudget`.
package struct StreamedWinogradWeight: @unchecked Sendable {
    package let outChannels: Int
    package let channels: Int
    /// In pages of its own, like the transformed weight: dropped, its memory goes back to the system at once.
    package let arranged: PageMappedFloats

    /// Channels per block of a call of `rows` tiles on this machine: the block's transformed weight and its packed
    /// inputs stay in half of one core's share of L3 (`winograd_streamed_channel_block`).
    package static func machineChannelBlock(rows: Int) -> Int {
        channelBlock(rows: rows, l2: CPUCaches.machine.l2, l3Share: CPUCaches.machine.l3 / max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// The channel block for `rows` tiles on a core with these caches (`l3Share` 0 where the L3 is unknown).
    package static func channelBlock(rows: Int, l2: Int, l3Share: Int) -> Int {
        Int(winograd_streamed_channel_block(l2, l3Share, Int32(rows)))
    }

    private var panelCount: Int { (outChannels + Int(PACKED_MATRIX_PANEL) - 1) / Int(PACKED_MATRIX_PANEL) }

    package init(_ weight: Tensor) {
        precondition(weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3, "Winograd F(4x4, 3x3) takes a 3x3 kernel, got \(weight.shape)")
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        (outChannels, channels) = (outputs, inputs)
        let panels = (outputs + Int(PACKED_MATRIX_PANEL) - 1) / Int(PACKED_MATRIX_PANEL)
        arranged = PageMappedFloats(count: winograd_streamed_weight_count(Int32(inputs), Int32(outputs))) { target in
            weight.scalars.withUnsafeBufferPointer { source in
                let (from, to) = (source.baseAddress!, target.baseAddress!)
                concurrentChunks(count: panels, minimumChunk: 1) { range in
                    winograd_arrange_weight(from, Int32(inputs), Int32(outputs), Int32(range.lowerBound), Int32(range.upperBound), to)
                }
            }
        }
    }

    /// The weight in PyTorch's layout again.
    package var unarranged: Tensor {
        Tensor(shape: [outChannels, channels, 3, 3]) { target in
            arranged.withUnsafeBufferPointer { source in
                winograd_unarrange_weight(source.baseAddress!, Int32(channels), Int32(outChannels), 0, Int32(panelCount), target)
            }
        }
    }
}
