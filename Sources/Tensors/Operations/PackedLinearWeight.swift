import Foundation
import PackedMatrixProduct

/// A linear layer's weight, prepared once at load for `Tensor.linear(_:bias:)`: packed in panels of 32 output
/// columns for the packed-product kernel (Sources/PackedMatrixProduct) where the processor runs it, otherwise
/// kept transposed to [in, out] for OpenBLAS. Either form holds the weight once.
public struct PackedLinearWeight: @unchecked Sendable {
    public let inputWidth: Int
    public let outputWidth: Int
    private let packed: [Float]?
    private let transposed: Tensor?

    /// From PyTorch's layout, [out, in]; `packing` false keeps the OpenBLAS form even where the kernel runs.
    public init(_ weight: Tensor, packing: Bool = PackedLinearWeight.kernelRuns) {
        precondition(weight.rank == 2, "a linear weight is [out, in], got \(weight.shape)")
        (outputWidth, inputWidth) = (weight.shape[0], weight.shape[1])
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

    /// The weight back in PyTorch's layout [out, in] (for checks).
    public var unpacked: Tensor {
        if let transposed { return transposed.transposed() }
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
    public var isPacked: Bool { packed != nil }

    /// The kernel's cache blocking on this machine (from its L1d and L2 sizes).
    package static let machineBlocking = packed_matrix_blocking()

    /// output [rows, out] = bias + input [rows, in] x weight^T, across `BLASThreads` cores: by rows when each
    /// core gets several of the kernel's row blocks (each core packs only its own rows of the input), else by
    /// panels of output columns (each core reads only its share of the weight: the text encoder's few rows).
    /// `blocking` is the machine's unless a check asks for another.
    package func product(_ input: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>,
                         blocking: PackedMatrixBlocking = PackedLinearWeight.machineBlocking) {
        guard let packed else {
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
        if byPanels && parts > 1 {
            let tiles = (rows + tileRows - 1) / tileRows
            let shared = UnsafeMutablePointer<Float>.allocate(capacity: packed_matrix_left_count(Int32(rows), Int32(inputWidth)))
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                packed_matrix_pack_left(blockingPointer, input, inputWidth, Int32(rows), Int32(inputWidth), Int32(tiles * part / parts),
                                        Int32(tiles * (part + 1) / parts), shared)
            }
            sharedLeft = shared
        }
        defer { sharedLeft?.deallocate() }
        packed.withUnsafeBufferPointer { panels in
            let panelBase = panels.baseAddress!
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
                let status = packed_matrix_product(
                    Self.variant, blockingPointer, input + firstRow * inputWidth, inputWidth, Int32(lastRow - firstRow), Int32(inputWidth),
                    sharedLeft, panelBase, Int32(outputWidth), Int32(firstPanel), Int32(lastPanel), bias,
                    output + firstRow * outputWidth, outputWidth, workspace)
                precondition(status == 0, "the packed matrix product refused to run")
            }
            if parts > 1 {
                DispatchQueue.concurrentPerform(iterations: parts) { run(part: $0) }
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
        var result = Tensor(zeros: Array(shape.dropLast()) + [weight.outputWidth])
        let rows = rowCount
        guard rows > 0, weight.outputWidth > 0 else { return result }
        scalars.withUnsafeBufferPointer { input in
            result.scalars.withUnsafeMutableBufferPointer { output in
                if let bias {
                    bias.scalars.withUnsafeBufferPointer { b in
                        weight.product(input.baseAddress!, rows: rows, bias: b.baseAddress!, into: output.baseAddress!)
                    }
                } else {
                    weight.product(input.baseAddress!, rows: rows, bias: nil, into: output.baseAddress!)
                }
            }
        }
        return result
    }
}
