import PackedMatrixProduct
import WinogradConvolution
import Foundation

extension Tensor {
    /// 3x3 convolution at stride 1, padding 1, by Winograd's F(4x4, 3x3) (WinogradConvolution.h) with a weight
    /// transformed at load. Tiles of 4x4 outputs go through in blocks: the block's input transform, its 36
    /// products and its output transform follow each other while the block is still in cache. With at least one
    /// full 12-row tile of the product per core, cores take whole blocks; otherwise (the UNet's 8x8 and 4x4
    /// images) one block holds every tile and each stage is split between the cores (channels, panels of 32
    /// outputs, output channels). `blocking` is the packed product's for this machine unless a check asks for
    /// another; its row block (half of L2) bounds the tiles per block.
    package func winogradConv2d(weight: WinogradConvolutionWeight, bias: Tensor?,
                                blocking: PackedMatrixBlocking = PackedLinearWeight.machineBlocking) -> Tensor {
        weight.packed.withUnsafeBufferPointer { packed in
            let workspaceCount = withUnsafePointer(to: blocking) { packed_matrix_workspace_count($0, Int32(weight.channels)) }
            return winogradConv2d(channels: weight.channels, outChannels: weight.outChannels, bias: bias, blocking: blocking,
                                  workspaceCount: { _ in workspaceCount }) { plan, blocking, transformed, rows, _, panels, products, workspace in
                winograd_multiply(plan, blocking, transformed, rows, packed.baseAddress!, Int32(panels.lowerBound),
                                  Int32(panels.upperBound), products, workspace)
            }
        }
    }

    /// The same convolution on a weight transformed inside the call, block by block (`StreamedWinogradWeight`).
    /// `channelBlock` is this machine's for the call's tiles unless a check asks for another.
    package func winogradConv2d(streamed weight: StreamedWinogradWeight, bias: Tensor?,
                                blocking: PackedMatrixBlocking = PackedLinearWeight.machineBlocking,
                                channelBlock: Int? = nil) -> Tensor {
        // Never longer than the layer's channels: a longer block holds the same single block in a larger workspace.
        let block = { (rows: Int) in min(weight.channels, channelBlock ?? StreamedWinogradWeight.machineChannelBlock(rows: rows)) }
        return weight.arranged.withUnsafeBufferPointer { arranged in
            winogradConv2d(channels: weight.channels, outChannels: weight.outChannels, bias: bias, blocking: blocking,
                           workspaceCount: { rows in
                               winograd_streamed_workspace_count(Int32(block(rows)), Int32(rows))
                           }) { plan, blocking, transformed, rows, blockRows, panels, products, workspace in
                winograd_multiply_streamed(plan, blocking, Int32(block(blockRows)), transformed, rows, arranged.baseAddress!,
                                           Int32(panels.lowerBound), Int32(panels.upperBound), products, workspace)
            }
        }
    }

    /// The stages around the 36 products, which `multiply` computes for a block's tiles (as many as the call's
    /// blocks hold, or fewer in the last) and a range of panels of 32 outputs into `products`, with a workspace of
    /// `workspaceCount(rows)` floats for blocks of `rows` tiles: `multiply` is given that `rows` too, so that what it
    /// lays out in the workspace is what was counted.
    private func winogradConv2d(channels weightChannels: Int, outChannels weightOutChannels: Int, bias: Tensor?,
                                blocking: PackedMatrixBlocking, workspaceCount: (Int) -> Int,
                                multiply: (UnsafePointer<WinogradPlan>, UnsafePointer<PackedMatrixBlocking>, UnsafePointer<Float>,
                                           Int32, Int, Range<Int>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Int32) -> Tensor {
        precondition(WinogradConvolutionWeight.kernelRuns, "the Winograd convolution does not run on this processor")
        precondition(rank == 4 && shape[1] == weightChannels, "conv2d weight [\(weightOutChannels), \(weightChannels), 3, 3] does not fit input \(shape)")
        precondition(bias.map { $0.count == weightOutChannels } ?? true, "conv2d bias does not fit \(weightOutChannels) outputs")
        let (batch, channels, height, width, outChannels) = (shape[0], shape[1], shape[2], shape[3], weightOutChannels)
        var plan = WinogradPlan()
        precondition(winograd_plan(Int32(batch), Int32(channels), Int32(height), Int32(width), Int32(outChannels), &plan) == 0,
                     "the Winograd convolution does not take \(shape)")
        let tiles = Int(plan.tiles)
        let threads = BLASThreads.count
        let tileRows = Int(PACKED_MATRIX_TILE_ROWS), panel = Int(PACKED_MATRIX_PANEL)
        let positions = Int(WINOGRAD_POSITIONS)
        let byTiles = threads == 1 || tiles >= threads * tileRows
        // Blocks a multiple of the cores, each at most a row block of the product.
        let rowBlock = max(tileRows, Int(blocking.row_block))
        let blockCount = byTiles ? ((tiles + rowBlock - 1) / rowBlock + threads - 1) / threads * threads : 1
        let rows = (tiles + blockCount - 1) / blockCount
        let panelCount = (outChannels + panel - 1) / panel
        let biasScalars = bias?.scalars ?? []

        // The output transform writes every position of every tile, so the output starts uninitialized.
        return Tensor(shape: [batch, outChannels, height, width]) { outBase in
            scalars.withUnsafeBufferPointer { input in
                biasScalars.withUnsafeBufferPointer { b in
                    let inBase = input.baseAddress!
                    let bBase = bias == nil ? nil : b.baseAddress
                    withUnsafePointer(to: plan) { plan in
                        withUnsafePointer(to: blocking) { blocking in
                            let transformed = UnsafeMutablePointer<Float>.allocate(capacity: positions * rows * channels * (byTiles ? threads : 1))
                            let products = UnsafeMutablePointer<Float>.allocate(capacity: positions * rows * outChannels * (byTiles ? threads : 1))
                            defer { transformed.deallocate(); products.deallocate() }
                            func check(_ status: Int32) { precondition(status == 0, "the Winograd convolution refused to run") }
                            if byTiles {
                                parallelPerform(iterations: threads) { worker in
                                    let v = transformed + worker * positions * rows * channels
                                    let m = products + worker * positions * rows * outChannels
                                    let workspace = UnsafeMutablePointer<Float>.allocate(capacity: workspaceCount(rows))
                                    defer { workspace.deallocate() }
                                    for block in (blockCount * worker / threads)..<(blockCount * (worker + 1) / threads) {
                                        let first = block * rows, count = min(rows, tiles - first)
                                        guard count > 0 else { continue }
                                        check(winograd_transform_input(plan, inBase, first, Int32(count), 0, Int32(channels), v))
                                        check(multiply(plan, blocking, v, Int32(count), rows, 0..<panelCount, m, workspace))
                                        check(winograd_transform_output(plan, m, first, Int32(count), 0, Int32(outChannels), bBase, outBase))
                                    }
                                }
                            } else {
                                let lanes = 16
                                let channelGroups = (channels + lanes - 1) / lanes, outGroups = (outChannels + lanes - 1) / lanes
                                parallelPerform(iterations: min(threads, channelGroups)) { part in
                                    let parts = min(threads, channelGroups)
                                    let (first, last) = (channelGroups * part / parts * lanes, min(channels, channelGroups * (part + 1) / parts * lanes))
                                    check(winograd_transform_input(plan, inBase, 0, Int32(rows), Int32(first), Int32(last), transformed))
                                }
                                parallelPerform(iterations: min(threads, panelCount)) { part in
                                    let parts = min(threads, panelCount)
                                    let workspace = UnsafeMutablePointer<Float>.allocate(capacity: workspaceCount(rows))
                                    defer { workspace.deallocate() }
                                    check(multiply(plan, blocking, transformed, Int32(rows), rows,
                                                   (panelCount * part / parts)..<(panelCount * (part + 1) / parts), products, workspace))
                                }
                                parallelPerform(iterations: min(threads, outGroups)) { part in
                                    let parts = min(threads, outGroups)
                                    let (first, last) = (outGroups * part / parts * lanes, min(outChannels, outGroups * (part + 1) / parts * lanes))
                                    check(winograd_transform_output(plan, products, 0, Int32(rows), Int32(first), Int32(last), bBase, outBase))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
