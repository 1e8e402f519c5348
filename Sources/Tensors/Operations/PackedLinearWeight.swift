import Foundation
import PackedMatrixProduct

/// A linear layer's weight, prepared once at load for `Tensor.linear(_:bias:)`: packed in panels of 32 output
/// columns for the packed-product kernel (Sources/PackedMatrixProduct) where the processor runs it, otherwise
/// kept transposed to [in, out] for OpenBLAS. Either form holds the weight once. At `WeightPrecision.bf16` on a
/// processor with AVX512-BF16 the panels hold BFloat16 pairs for the BF16 kernel (PackedMatrixProductBF16.h).
public struct PackedLinearWeight: @unchecked Sendable {
    public let inputWidth: Int
    public let outputWidth: Int
    public let precision: WeightPrecision
    private let packed: [Float]?
    private let packedBF16: [UInt16]?
    private let transposed: Tensor?

    /// From PyTorch's layout, [out, in]; `packing` false keeps the OpenBLAS form even where the kernel runs.
    /// `precision` bf16 without AVX512-BF16 keeps the Float32 forms of the BF16-rounded weight (WeightPrecision).
    public init(_ weight: Tensor, packing: Bool = PackedLinearWeight.kernelRuns, precision: WeightPrecision = .f32) {
        precondition(weight.rank == 2, "a linear weight is [out, in], got \(weight.shape)")
        (outputWidth, inputWidth) = (weight.shape[0], weight.shape[1])
        self.precision = precision
        if precision == .bf16 && WeightPrecision.bf16KernelRuns && packing {
            packed = nil
            transposed = nil
            packedBF16 = Self.packBF16(weight)
            return
        }
        packedBF16 = nil
        let weight = precision == .bf16 ? weight.map(WeightPrecision.bf16Rounded) : weight
        guard packing, Self.kernelRuns else {
            packed = nil
            transposed = weight.transposed()
            return
        }
        let (inner, columns) = (inputWidth, outputWidth)
        var panels = [Float](repeating: 0, count: packed_matrix_count(Int32(inner), Int32(columns)))
        let panel = Self.panelWidth
        let panelCount = (columns + panel - 1) / panel
        panels.withUnsafeMutableBufferPointer { target in
            weight.scalars.withUnsafeBufferPointer { source in
                let targetBase = target.baseAddress!, sourceBase = source.baseAddress!
                concurrentChunks(count: panelCount, minimumChunk: max(1, 65_536 / max(1, inner * panel))) { range in
                    packed_matrix_pack(sourceBase, inner, 1, Int32(inner), Int32(columns), Int32(range.lowerBound * panel),
                                       Int32(min(columns, range.upperBound * panel)), targetBase)
                }
            }
        }
        packed = panels
        transposed = nil
    }

    private static func packBF16(_ weight: Tensor) -> [UInt16] {
        let (columns, inner) = (weight.shape[0], weight.shape[1])
        var panels = [UInt16](repeating: 0, count: packed_matrix_bf16_count(Int32(inner), Int32(columns)))
        let panel = panelWidth
        let panelCount = (columns + panel - 1) / panel
        panels.withUnsafeMutableBufferPointer { target in
            weight.scalars.withUnsafeBufferPointer { source in
                let targetBase = target.baseAddress!, sourceBase = source.baseAddress!
                concurrentChunks(count: panelCount, minimumChunk: max(1, 65_536 / max(1, inner * panel))) { range in
                    packed_matrix_pack_bf16(sourceBase, inner, 1, Int32(inner), Int32(columns), Int32(range.lowerBound * panel),
                                            Int32(min(columns, range.upperBound * panel)), targetBase)
                }
            }
        }
        return panels
    }

    /// The weight back in PyTorch's layout [out, in] (for checks).
    public var unpacked: Tensor {
        if let transposed { return transposed.transposed() }
        if let packedBF16 {
            let values = packedBF16.withUnsafeBufferPointer { panels in
                (0..<outputWidth * inputWidth).map {
                    packed_matrix_bf16_value(panels.baseAddress!, Int32(inputWidth), Int32($0 / inputWidth), Int32($0 % inputWidth))
                }
            }
            return Tensor(shape: [outputWidth, inputWidth], scalars: values)
        }
        var values = [Float](repeating: 0, count: outputWidth * inputWidth)
        packed!.withUnsafeBufferPointer { panels in
            for column in 0..<outputWidth {
                let width = Self.panelWidth
                let panel = panels.baseAddress! + (column / width) * width * inputWidth + column % width
                for k in 0..<inputWidth { values[column * inputWidth + k] = panel[k * width] }
            }
        }
        return Tensor(shape: [outputWidth, inputWidth], scalars: values)
    }

    package static let variant = packed_matrix_best_variant()
    package static let panelWidth = Int(PACKED_MATRIX_PANEL)
    /// Whether this processor runs the packed-product kernel.
    public static let kernelRuns = variant != PackedMatrixVariantNone
    /// Whether this weight is in the kernel's panels (else transposed for OpenBLAS).
    public var isPacked: Bool { packed != nil || packedBF16 != nil }
    /// Whether this weight runs the BF16 kernel.
    public var runsBF16: Bool { packedBF16 != nil }

    /// The kernel's cache blocking on this machine (from its L1d and L2 sizes).
    package static let machineBlocking = packed_matrix_blocking()

    /// output [rows, out] = bias + input [rows, in] x weight^T, across `BLASThreads` cores: by rows when each
    /// core gets several of the kernel's row blocks (each core packs only its own rows of the input), else by
    /// panels of output columns (each core reads only its share of the weight: the text encoder's few rows).
    /// `blocking` is the machine's unless a check asks for another.
    package func product(_ input: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>,
                         blocking: PackedMatrixBlocking = PackedLinearWeight.machineBlocking) {
        guard packed != nil || packedBF16 != nil else {
            transposed!.scalars.withUnsafeBufferPointer { w in
                if let bias { for row in 0..<rows { (output + row * outputWidth).update(from: bias, count: outputWidth) } }
                splitSGEMM(transposeRight: false, rows: rows, columns: outputWidth, inner: inputWidth,
                           left: input, leftStride: inputWidth, right: w.baseAddress!, rightStride: outputWidth,
                           accumulate: bias != nil, output: output, outputStride: outputWidth)
            }
            return
        }
        let panelCount = (outputWidth + Self.panelWidth - 1) / Self.panelWidth
        let threads = BLASThreads.count
        let tileRows = Int(PACKED_MATRIX_TILE_ROWS)
        // One copy the C calls of every core read.
        let blockingPointer = UnsafeMutablePointer<PackedMatrixBlocking>.allocate(capacity: 1)
        blockingPointer.initialize(to: blocking)
        defer { blockingPointer.deallocate() }
        let byPanels = rows < 2 * Int(blocking.row_block) * threads && panelCount >= 2 * threads
        // Split by rows, each core gets at least 4 tiles.
        let parts = byPanels ? threads : min(threads, max(1, rows / (4 * tileRows)))
        let workspaceCount = packed_matrix_workspace_count(blockingPointer, Int32(inputWidth))
        // Split by panels, every core reads the whole input: it is packed once, shared, rather than once per core
        // (at the text encoder's sizes the duplicate packing cost 3-12% of a product).
        var sharedLeft: UnsafeMutablePointer<Float>?
        if byPanels && parts > 1 && packedBF16 == nil {
            let tiles = (rows + tileRows - 1) / tileRows
            let shared = UnsafeMutablePointer<Float>.allocate(capacity: packed_matrix_left_count(Int32(rows), Int32(inputWidth)))
            parallelPerform(iterations: parts) { part in
                packed_matrix_pack_left(blockingPointer, input, inputWidth, Int32(rows), Int32(inputWidth), Int32(tiles * part / parts),
                                        Int32(tiles * (part + 1) / parts), shared)
            }
            sharedLeft = shared
        }
        defer { sharedLeft?.deallocate() }
        do {
            func run(part: Int) {
                let workspace = sharedLeft == nil ? UnsafeMutablePointer<Float>.allocate(capacity: workspaceCount) : nil
                defer { workspace?.deallocate() }
                var firstRow = 0, lastRow = rows, firstPanel = 0, lastPanel = panelCount
                if byPanels {
                    (firstPanel, lastPanel) = (panelCount * part / parts, panelCount * (part + 1) / parts)
                } else {
                    (firstRow, lastRow) = (rows * part / parts, rows * (part + 1) / parts)
                }
                guard firstRow < lastRow, firstPanel < lastPanel else { return }
                let status: Int32
                if let packedBF16 {
                    // Each core rounds and packs its own copy of the input (no shared packed left operand here).
                    status = packedBF16.withUnsafeBufferPointer { panels in
                        packed_matrix_product_bf16(
                            blockingPointer, input + firstRow * inputWidth, inputWidth, Int32(lastRow - firstRow), Int32(inputWidth),
                            panels.baseAddress!, Int32(outputWidth), Int32(firstPanel), Int32(lastPanel), bias,
                            output + firstRow * outputWidth, outputWidth, workspace!)
                    }
                } else {
                    status = packed!.withUnsafeBufferPointer { panels in
                        packed_matrix_product(
                            Self.variant, blockingPointer, input + firstRow * inputWidth, inputWidth, Int32(lastRow - firstRow), Int32(inputWidth),
                            sharedLeft, panels.baseAddress!, Int32(outputWidth), Int32(firstPanel), Int32(lastPanel), bias,
                            output + firstRow * outputWidth, outputWidth, workspace)
                    }
                }
                precondition(status == 0, "the packed matrix product refused to run")
            }
            if parts > 1 {
                parallelPerform(iterations: parts) { run(part: $0) }
            } else {
                run(part: 0)
            }
        }
    }
}

extension Tensor {
    /// PyTorch's `nn.Linear` with a weight prepared at load: x [..., in] times the weight transposed, plus bias.
    public func linear(_ weight: PackedLinearWeight, bias: Tensor?) -> Tensor {
        precondition(lastDimension == weight.inputWidth, "linear weight [\(weight.outputWidth), \(weight.inputWidth)] does not fit input \(shape)")
        precondition(bias.map { $0.count == weight.outputWidth } ?? true, "bias does not fit \(weight.outputWidth) outputs")
        let outputShape = Array(shape.dropLast()) + [weight.outputWidth]
        let rows = rowCount
        guard rows > 0, weight.outputWidth > 0, weight.inputWidth > 0 else { return Tensor(zeros: outputShape) }
        func product(into output: UnsafeMutablePointer<Float>) {
            scalars.withUnsafeBufferPointer { input in
                if let bias {
                    bias.scalars.withUnsafeBufferPointer { b in
                        weight.product(input.baseAddress!, rows: rows, bias: b.baseAddress!, into: output)
                    }
                } else {
                    weight.product(input.baseAddress!, rows: rows, bias: nil, into: output)
                }
            }
        }
        // The packed kernels store every output (bias or zero plus the sums); OpenBLAS's path starts from zeros.
        guard weight.isPacked else {
            var result = Tensor(zeros: outputShape)
            result.scalars.withUnsafeMutableBufferPointer { product(into: $0.baseAddress!) }
            return result
        }
        return Tensor(shape: outputShape, writtenBy: product(into:))
    }
}
