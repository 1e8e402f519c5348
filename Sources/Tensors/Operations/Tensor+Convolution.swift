import CPUFeatures
import COpenBLAS
import DirectConvolution
import Foundation

extension Tensor {
    /// 2-D convolution of [N, C, H, W] with weight [O, C, kh, kw] and optional bias [O], zero padding on every side.
    ///
    /// Odd kernels at stride 1 that keep the image size (every 3x3 of the UNet and VAE) run in the direct kernel
    /// (`ConvolutionKernel`) where the processor has one. The rest are lowered to matrix products.
    public func conv2d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(rank == 4 && weight.rank == 4, "conv2d takes [N, C, H, W] and [O, C, kh, kw]")
        precondition(weight.shape[1] == shape[1], "conv2d weight \(weight.shape) does not fit input \(shape)")
        precondition(bias.map { $0.count == weight.shape[0] } ?? true, "conv2d bias does not fit \(weight.shape[0]) outputs")
        precondition(stride > 0 && padding >= 0, "conv2d stride must be positive and padding non-negative")
        let (kernelH, kernelW) = (weight.shape[2], weight.shape[3])
        if stride == 1, kernelH == kernelW, kernelH > 1, kernelH % 2 == 1, padding == kernelH / 2,
           let kernel = ConvolutionKernel.fastest {
            return directConv2d(weight: weight, bias: bias, kernel: kernel)
        }
        return unfoldedConv2d(weight: weight, bias: bias, stride: stride, padding: padding)
    }

    /// 2-D convolution with its own zero padding above and below (`height`) and left and right (`width`), as
    /// `nn.Conv2d(padding=(ph, pw))`: Inception's 1x7, 7x1, 1x3 and 3x1 kernels pad only along their long side.
    package func conv2d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: (height: Int, width: Int)) -> Tensor {
        if padding.height == padding.width {
            return conv2d(weight: weight, bias: bias, stride: stride, padding: padding.height)
        }
        precondition(rank == 4 && weight.rank == 4, "conv2d takes [N, C, H, W] and [O, C, kh, kw]")
        precondition(weight.shape[1] == shape[1], "conv2d weight \(weight.shape) does not fit input \(shape)")
        precondition(bias.map { $0.count == weight.shape[0] } ?? true, "conv2d bias does not fit \(weight.shape[0]) outputs")
        precondition(stride > 0 && padding.height >= 0 && padding.width >= 0, "conv2d stride must be positive and padding non-negative")
        return unfoldedConv2d(weight: weight, bias: bias, stride: stride, paddingHeight: padding.height, paddingWidth: padding.width)
    }

    /// The convolution through matrix products: weight [O, C*kh*kw] times the unfolded input (im2col).
    /// Output rows per band of the unfolding: the band's columns ([patch][rows x width] floats) take four times the
    /// core's L2 (4 MiB on Zen 4's 1 MiB L2, the size tuned there; 8 MiB on a 2 MiB L2), read back by sgemm's
    /// packing from L2 and the L3 behind it; at least one row, at most the output's height.
    package static func unfoldingBandRows(patch: Int, outputWidth: Int, outputHeight: Int, caches: CPUCacheSizes) -> Int {
        let bandFloats = 4 * caches.l2 / MemoryLayout<Float>.size
        return max(1, min(outputHeight, bandFloats / max(1, patch * outputWidth)))
    }

    package func unfoldedConv2d(weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
        unfoldedConv2d(weight: weight, bias: bias, stride: stride, paddingHeight: padding, paddingWidth: padding)
    }

    /// The unfolding is done a band of output rows at a time (`unfoldingBandRows`), sized so the band's columns are
    /// still in cache when sgemm reads them, and bands run in parallel across cores. A 1x1 kernel at stride 1
    /// multiplies the input directly. `caches` sets the band, the machine's unless a check asks for another.
    package func unfoldedConv2d(weight: Tensor, bias: Tensor?, stride: Int, paddingHeight: Int, paddingWidth: Int,
                                caches: CPUCacheSizes = CPUCaches.machine) -> Tensor {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let (outChannels, kernelH, kernelW) = (weight.shape[0], weight.shape[2], weight.shape[3])
        let outH = (height + 2 * paddingHeight - kernelH) / stride + 1
        let outW = (width + 2 * paddingWidth - kernelW) / stride + 1
        precondition(outH > 0 && outW > 0, "conv2d kernel larger than padded input")
        let patch = channels * kernelH * kernelW
        let positions = outH * outW
        // With a bias every output starts as the bias and is then accumulated into; without one, from zeros.
        var result = bias == nil ? Tensor(zeros: [batch, outChannels, outH, outW]) : Tensor(shape: [batch, outChannels, outH, outW]) { _ in }
        let direct = kernelH == 1 && kernelW == 1 && stride == 1 && paddingHeight == 0 && paddingWidth == 0
        let bandRows = direct ? outH : Tensor.unfoldingBandRows(patch: patch, outputWidth: outW, outputHeight: outH, caches: caches)
        let bands = (outH + bandRows - 1) / bandRows
        let units = batch * bands
        let workers = direct ? 1 : min(units, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let perWorker = (units + workers - 1) / workers
        // Bands occupy the cores, each band's sgemm on its own; a 1x1 kernel is one product split across the cores.
        BLASThreads.keepLibrarySingleThreaded()

        scalars.withUnsafeBufferPointer { input in
            weight.scalars.withUnsafeBufferPointer { w in
                result.scalars.withUnsafeMutableBufferPointer { out in
                    let inBase = input.baseAddress!, wBase = w.baseAddress!, outBase = out.baseAddress!
                    parallelPerform(iterations: workers) { worker in
                        let columns = direct ? nil : UnsafeMutablePointer<Float>.allocate(capacity: patch * bandRows * outW)
                        defer { columns?.deallocate() }
                        for unit in (worker * perWorker)..<min(units, (worker + 1) * perWorker) {
                            let image = unit / bands
                            let firstRow = (unit % bands) * bandRows
                            let bandPositions = min(bandRows, outH - firstRow) * outW
                            let source = inBase + image * channels * height * width
                            let target = outBase + image * outChannels * positions + firstRow * outW
                            if let bias {
                                for channel in 0..<outChannels {
                                    (target + channel * positions).initialize(repeating: bias.scalars[channel], count: bandPositions)
                                }
                            }
                            let unfolded: UnsafePointer<Float>
                            if let columns {
                                for channel in 0..<channels {
                                    unfold(channel: channel, source: source, firstRow: firstRow, bandPositions: bandPositions, into: columns)
                                }
                                unfolded = UnsafePointer(columns)
                            } else {
                                unfolded = source
                            }
                            if columns == nil {
                                splitSGEMM(transposeRight: false, rows: outChannels, columns: bandPositions, inner: patch,
                                           left: wBase, leftStride: patch, right: unfolded, rightStride: bandPositions,
                                           accumulate: bias != nil, output: target, outputStride: positions)
                            } else {
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                            Int32(outChannels), Int32(bandPositions), Int32(patch), 1,
                                            wBase, Int32(patch), unfolded, Int32(bandPositions),
                                            bias == nil ? 0 : 1, target, Int32(positions))
                            }
                        }
                    }
                }
            }
        }
        return result

        /// Writes rows (channel, ky, kx) of the band's column matrix: the input pixel under each kernel tap for
        /// every output position of the band, zero where the tap falls in the padding.
        func unfold(channel: Int, source: UnsafePointer<Float>, firstRow: Int, bandPositions: Int,
                    into columns: UnsafeMutablePointer<Float>) {
            let plane = source + channel * height * width
            for ky in 0..<kernelH {
                for kx in 0..<kernelW {
                    let row = columns + ((channel * kernelH + ky) * kernelW + kx) * bandPositions
                    for localRow in 0..<(bandPositions / outW) {
                        let iy = (firstRow + localRow) * stride - paddingHeight + ky
                        let line = row + localRow * outW
                        guard iy >= 0 && iy < height else {
                            line.initialize(repeating: 0, count: outW)
                            continue
                        }
                        let inputLine = plane + iy * width
                        if stride == 1 {
                            // Output columns whose input column lies inside the row form one run: copy it whole.
                            let first = min(outW, max(0, paddingWidth - kx))
                            let end = max(first, min(outW, width + paddingWidth - kx))
                            line.initialize(repeating: 0, count: first)
                            (line + first).update(from: inputLine + (first - paddingWidth + kx), count: end - first)
                            (line + end).initialize(repeating: 0, count: outW - end)
                        } else {
                            for ox in 0..<outW {
                                let ix = ox * stride - paddingWidth + kx
                                line[ox] = (ix >= 0 && ix < width) ? inputLine[ix] : 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// The convolution in the direct kernel on `kernel`'s instruction set, which must run on this processor: the
    /// input is copied into the kernel's padded layout, tiles of output channels and positions are computed across
    /// the cores, and the valid outputs copied back. Stride 1, an odd square kernel, padding kernel / 2.
    /// `caches` sets the channel blocking (`direct_convolution_weight_block_floats`); the machine's unless a check
    /// asks for another.
    package func directConv2d(weight: Tensor, bias: Tensor?, kernel: ConvolutionKernel,
                              caches: CPUCacheSizes = CPUCaches.machine) -> Tensor {
        precondition(kernel.isSupported, "the \(kernel.rawValue) convolution kernel does not run on this processor")
        let channels = shape[1]
        return directConv2d(outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3], tileRows: kernel.tileRows,
                            caches: caches, bias: bias) { plan, input in
            let padded = UnsafeMutablePointer<Float>.allocate(capacity: direct_convolution_padded_count(plan, Int32(channels)))
            concurrentChunks(count: channels, minimumChunk: max(1, 65_536 / Int(plan.pointee.plane_stride))) { range in
                direct_convolution_pad(plan, input, Int32(range.lowerBound), Int32(range.upperBound), padded)
            }
            return (UnsafeMutableRawPointer(padded), { plan, bias, firstOut, lastOut, firstPosition, lastPosition, flat in
                weight.scalars.withUnsafeBufferPointer { w in
                    let status = direct_convolution_compute(kernel.variant, plan, padded, w.baseAddress!, bias, firstOut, lastOut, firstPosition, lastPosition, flat)
                    precondition(status == 0, "the \(kernel.rawValue) convolution kernel refused to run")
                }
            })
        }
    }

    /// The convolution on the BF16 kernel (DirectConvolutionBF16.h): the input rounded to BF16 in channel pairs
    /// while padded, the weight packed at load.
    package func directConv2d(weight: BF16ConvolutionWeight, bias: Tensor?, caches: CPUCacheSizes = CPUCaches.machine) -> Tensor {
        precondition(WeightPrecision.bf16KernelRuns, "the BF16 convolution kernel does not run on this processor")
        precondition(rank == 4 && shape[1] == weight.channels, "conv2d weight [\(weight.outChannels), \(weight.channels), ...] does not fit input \(shape)")
        let pairs = Int(direct_convolution_bf16_pairs(Int32(weight.channels)))
        return directConv2d(outChannels: weight.outChannels, kernelHeight: weight.kernelSize, kernelWidth: weight.kernelSize,
                            tileRows: BF16ConvolutionWeight.tileRows, caches: caches, bias: bias) { plan, input in
            let padded = UnsafeMutablePointer<UInt32>.allocate(capacity: direct_convolution_bf16_padded_count(plan))
            concurrentChunks(count: pairs, minimumChunk: max(1, 65_536 / Int(plan.pointee.plane_stride))) { range in
                direct_convolution_pad_bf16(plan, input, Int32(range.lowerBound), Int32(range.upperBound), padded)
            }
            return (UnsafeMutableRawPointer(padded), { plan, bias, firstOut, lastOut, firstPosition, lastPosition, flat in
                weight.packed.withUnsafeBufferPointer { w in
                    let status = direct_convolution_compute_bf16(plan, padded, w.baseAddress!, bias, firstOut, lastOut, firstPosition, lastPosition, flat)
                    precondition(status == 0, "the BF16 convolution kernel refused to run")
                }
            })
        }
    }

    /// Computes one range of a planned convolution: output channels `firstOut..<lastOut`, positions
    /// `firstPosition..<lastPosition`, into the flat output.
    private typealias DirectConvolutionRange = (UnsafeMutablePointer<DirectConvolutionPlan>, UnsafePointer<Float>?, Int32, Int32, Int, Int,
                                                UnsafeMutablePointer<Float>) -> Void

    /// The direct convolution's plan, split between the cores and unpadding, shared by the Float32 and BF16
    /// variants: `prepare` pads the input (returning the buffer to free) and gives the call that computes a range.
    private func directConv2d(outChannels: Int, kernelHeight: Int, kernelWidth: Int, tileRows: Int, caches: CPUCacheSizes, bias: Tensor?,
                              prepare: (UnsafeMutablePointer<DirectConvolutionPlan>, UnsafePointer<Float>) -> (UnsafeMutableRawPointer, DirectConvolutionRange)) -> Tensor {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let plan = UnsafeMutablePointer<DirectConvolutionPlan>.allocate(capacity: 1)
        plan.initialize(to: DirectConvolutionPlan())
        defer { plan.deallocate() }
        let planned = direct_convolution_plan(Int32(batch), Int32(channels), Int32(height), Int32(width), Int32(outChannels),
                                              Int32(kernelHeight), Int32(kernelWidth), plan)
        precondition(planned == 0, "the direct convolution kernel does not take \(shape) with a \(kernelHeight)x\(kernelWidth) kernel")
        plan.pointee.weight_block_floats = Int(direct_convolution_weight_block_floats(caches.l2))
        let flat = UnsafeMutablePointer<Float>.allocate(capacity: direct_convolution_padded_count(plan, Int32(outChannels)))
        defer { flat.deallocate() }
        let planeFloats = Int(plan.pointee.plane_stride)
        let (padded, compute) = scalars.withUnsafeBufferPointer { input in prepare(plan, input.baseAddress!) }
        defer { padded.deallocate() }
        let biasScalars = bias?.scalars ?? []
        biasScalars.withUnsafeBufferPointer { b in
            let bBase = bias == nil ? nil : b.baseAddress
            // The same core count as the matrix products, so one setting (`BLASThreads`) governs both.
            let workers = BLASThreads.count
            let tile = Int(DIRECT_CONVOLUTION_POSITION_TILE)
            let positionCount = Int(plan.pointee.position_count)
            let positionTiles = (positionCount + tile - 1) / tile
            // Output channels split between the cores while each gets several full tiles (every UNet and VAE
            // layer); otherwise positions do (the 4-channel output layers).
            let splitChannels = outChannels >= 4 * tileRows * workers || positionTiles < workers
            parallelPerform(iterations: workers) { worker in
                var firstOut = 0, lastOut = outChannels, firstTile = 0, lastTile = positionTiles
                if splitChannels {
                    let rowTiles = (outChannels + tileRows - 1) / tileRows
                    firstOut = min(outChannels, rowTiles * worker / workers * tileRows)
                    lastOut = min(outChannels, rowTiles * (worker + 1) / workers * tileRows)
                } else {
                    firstTile = positionTiles * worker / workers
                    lastTile = positionTiles * (worker + 1) / workers
                }
                guard firstOut < lastOut, firstTile < lastTile else { return }
                compute(plan, bBase, Int32(firstOut), Int32(lastOut), firstTile * tile, min(positionCount, lastTile * tile), flat)
            }
        }
        // Unpadding writes every output.
        return Tensor(shape: [batch, outChannels, height, width]) { outBase in
            concurrentChunks(count: outChannels, minimumChunk: max(1, 65_536 / planeFloats)) { range in
                direct_convolution_unpad(plan, flat, Int32(range.lowerBound), Int32(range.upperBound), outBase)
            }
        }
    }

    /// Nearest-neighbour upsampling of [N, C, H, W] by an integer factor (PyTorch's `interpolate(mode="nearest")`).
    public func upsampleNearest(factor: Int) -> Tensor {
        precondition(rank == 4 && factor > 0, "nearest upsampling takes [N, C, H, W] and a positive factor")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        let (outH, outW) = (height * factor, width * factor)
        var result = Tensor(zeros: [shape[0], shape[1], outH, outW])
        scalars.withUnsafeBufferPointer { input in
            result.scalars.withUnsafeMutableBufferPointer { output in
                let inBase = input.baseAddress!, outBase = output.baseAddress!
                concurrentChunks(count: planes, minimumChunk: max(1, 16_384 / max(1, outH * outW))) { range in
                    for plane in range {
                        let source = inBase + plane * height * width
                        let target = outBase + plane * outH * outW
                        for oy in 0..<outH {
                            let line = source + (oy / factor) * width
                            let outLine = target + oy * outW
                            for ox in 0..<outW { outLine[ox] = line[ox / factor] }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Looks up rows of an embedding table [vocabulary, width] for each id; the result is [ids.count, width].
    public static func embedding(table: Tensor, ids: [Int]) throws -> Tensor {
        precondition(table.rank == 2, "embedding table must be [vocabulary, width]")
        let (vocabulary, width) = (table.shape[0], table.shape[1])
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw TensorError.shapeMismatch("id \(bad) outside an embedding table of \(vocabulary) rows")
        }
        var values = [Float](repeating: 0, count: ids.count * width)
        values.withUnsafeMutableBufferPointer { out in
            table.scalars.withUnsafeBufferPointer { rows in
                for (position, id) in ids.enumerated() {
                    (out.baseAddress! + position * width).update(from: rows.baseAddress! + id * width, count: width)
                }
            }
        }
        return Tensor(shape: [ids.count, width], scalars: values)
    }
}
