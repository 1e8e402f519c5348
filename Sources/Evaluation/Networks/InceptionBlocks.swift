import Foundation
import Tensors

// The five Inception block kinds with torchvision's layer names, in the forms pytorch-fid 0.3.0 runs them:
// `FIDInceptionA`, `InceptionB`, `FIDInceptionC`, `InceptionD`, and `FIDInceptionE_1` / `FIDInceptionE_2`. The FID
// variants differ from torchvision's only in their pooling branch: an average pool that leaves the padding out of
// its count (TensorFlow's), and in the last block a max pool.

/// 35x35 blocks (Mixed_5b, 5c, 5d): 1x1, 5x5, double 3x3 and pooled branches, 224 + `poolFeatures` channels.
struct InceptionBlockA {
    let branch1x1, branch5x5_1, branch5x5_2, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3, branchPool: FoldedConvolution

    init(_ weights: WeightReader, input: Int, poolFeatures: Int) throws {
        branch1x1 = try FoldedConvolution(weights, "branch1x1", input: input, output: 64, kernel: 1)
        branch5x5_1 = try FoldedConvolution(weights, "branch5x5_1", input: input, output: 48, kernel: 1)
        branch5x5_2 = try FoldedConvolution(weights, "branch5x5_2", input: 48, output: 64, kernel: 5, padding: 2)
        branch3x3dbl_1 = try FoldedConvolution(weights, "branch3x3dbl_1", input: input, output: 64, kernel: 1)
        branch3x3dbl_2 = try FoldedConvolution(weights, "branch3x3dbl_2", input: 64, output: 96, kernel: 3, padding: 1)
        branch3x3dbl_3 = try FoldedConvolution(weights, "branch3x3dbl_3", input: 96, output: 96, kernel: 3, padding: 1)
        branchPool = try FoldedConvolution(weights, "branch_pool", input: input, output: poolFeatures, kernel: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.concatenateChannels([
            branch1x1(x),
            branch5x5_2(branch5x5_1(x)),
            branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x))),
            branchPool(x.averagePool2dExcludingPadding(kernel: 3, stride: 1, padding: 1)),
        ])
    }
}

/// 35x35 -> 17x17 (Mixed_6a): strided 3x3, strided double 3x3 and a max pool, 480 + input channels.
struct InceptionBlockB {
    let branch3x3, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3: FoldedConvolution

    init(_ weights: WeightReader, input: Int) throws {
        branch3x3 = try FoldedConvolution(weights, "branch3x3", input: input, output: 384, kernel: 3, stride: 2)
        branch3x3dbl_1 = try FoldedConvolution(weights, "branch3x3dbl_1", input: input, output: 64, kernel: 1)
        branch3x3dbl_2 = try FoldedConvolution(weights, "branch3x3dbl_2", input: 64, output: 96, kernel: 3, padding: 1)
        branch3x3dbl_3 = try FoldedConvolution(weights, "branch3x3dbl_3", input: 96, output: 96, kernel: 3, stride: 2)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.concatenateChannels([
            branch3x3(x),
            branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x))),
            x.maxPool2d(kernel: 3, stride: 2),
        ])
    }
}

/// 17x17 blocks (Mixed_6b to 6e): factorised 7x7 branches (1x7 then 7x1), 768 channels.
struct InceptionBlockC {
    let branch1x1, branch7x7_1, branch7x7_2, branch7x7_3: FoldedConvolution
    let branch7x7dbl_1, branch7x7dbl_2, branch7x7dbl_3, branch7x7dbl_4, branch7x7dbl_5, branchPool: FoldedConvolution

    init(_ weights: WeightReader, input: Int, channels7x7 c7: Int) throws {
        let (row, column) = ((height: 1, width: 7), (height: 7, width: 1))
        let (rowPadding, columnPadding) = ((height: 0, width: 3), (height: 3, width: 0))
        branch1x1 = try FoldedConvolution(weights, "branch1x1", input: input, output: 192, kernel: 1)
        branch7x7_1 = try FoldedConvolution(weights, "branch7x7_1", input: input, output: c7, kernel: 1)
        branch7x7_2 = try FoldedConvolution(weights, "branch7x7_2", input: c7, output: c7, kernel: row, padding: rowPadding)
        branch7x7_3 = try FoldedConvolution(weights, "branch7x7_3", input: c7, output: 192, kernel: column, padding: columnPadding)
        branch7x7dbl_1 = try FoldedConvolution(weights, "branch7x7dbl_1", input: input, output: c7, kernel: 1)
        branch7x7dbl_2 = try FoldedConvolution(weights, "branch7x7dbl_2", input: c7, output: c7, kernel: column, padding: columnPadding)
        branch7x7dbl_3 = try FoldedConvolution(weights, "branch7x7dbl_3", input: c7, output: c7, kernel: row, padding: rowPadding)
        branch7x7dbl_4 = try FoldedConvolution(weights, "branch7x7dbl_4", input: c7, output: c7, kernel: column, padding: columnPadding)
        branch7x7dbl_5 = try FoldedConvolution(weights, "branch7x7dbl_5", input: c7, output: 192, kernel: row, padding: rowPadding)
        branchPool = try FoldedConvolution(weights, "branch_pool", input: input, output: 192, kernel: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let double = branch7x7dbl_5(branch7x7dbl_4(branch7x7dbl_3(branch7x7dbl_2(branch7x7dbl_1(x)))))
        return Tensor.concatenateChannels([
            branch1x1(x),
            branch7x7_3(branch7x7_2(branch7x7_1(x))),
            double,
            branchPool(x.averagePool2dExcludingPadding(kernel: 3, stride: 1, padding: 1)),
        ])
    }
}

/// 17x17 -> 8x8 (Mixed_7a): strided 3x3 and 7x7-then-3x3 branches and a max pool, 512 + input channels.
struct InceptionBlockD {
    let branch3x3_1, branch3x3_2, branch7x7x3_1, branch7x7x3_2, branch7x7x3_3, branch7x7x3_4: FoldedConvolution

    init(_ weights: WeightReader, input: Int) throws {
        branch3x3_1 = try FoldedConvolution(weights, "branch3x3_1", input: input, output: 192, kernel: 1)
        branch3x3_2 = try FoldedConvolution(weights, "branch3x3_2", input: 192, output: 320, kernel: 3, stride: 2)
        branch7x7x3_1 = try FoldedConvolution(weights, "branch7x7x3_1", input: input, output: 192, kernel: 1)
        branch7x7x3_2 = try FoldedConvolution(weights, "branch7x7x3_2", input: 192, output: 192, kernel: (1, 7), padding: (0, 3))
        branch7x7x3_3 = try FoldedConvolution(weights, "branch7x7x3_3", input: 192, output: 192, kernel: (7, 1), padding: (3, 0))
        branch7x7x3_4 = try FoldedConvolution(weights, "branch7x7x3_4", input: 192, output: 192, kernel: 3, stride: 2)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.concatenateChannels([
            branch3x3_2(branch3x3_1(x)),
            branch7x7x3_4(branch7x7x3_3(branch7x7x3_2(branch7x7x3_1(x)))),
            x.maxPool2d(kernel: 3, stride: 2),
        ])
    }
}

/// 8x8 blocks (Mixed_7b, 7c): 1x3 and 3x1 halves side by side, 2048 channels. The first pools by the average that
/// leaves the padding out (`FIDInceptionE_1`), the second by a 3x3 max (`FIDInceptionE_2`).
struct InceptionBlockE {
    enum Pool { case averageExcludingPadding, maximum }

    let pool: Pool
    let branch1x1, branch3x3_1, branch3x3_2a, branch3x3_2b: FoldedConvolution
    let branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3a, branch3x3dbl_3b, branchPool: FoldedConvolution

    init(_ weights: WeightReader, input: Int, pool: Pool) throws {
        self.pool = pool
        branch1x1 = try FoldedConvolution(weights, "branch1x1", input: input, output: 320, kernel: 1)
        branch3x3_1 = try FoldedConvolution(weights, "branch3x3_1", input: input, output: 384, kernel: 1)
        branch3x3_2a = try FoldedConvolution(weights, "branch3x3_2a", input: 384, output: 384, kernel: (1, 3), padding: (0, 1))
        branch3x3_2b = try FoldedConvolution(weights, "branch3x3_2b", input: 384, output: 384, kernel: (3, 1), padding: (1, 0))
        branch3x3dbl_1 = try FoldedConvolution(weights, "branch3x3dbl_1", input: input, output: 448, kernel: 1)
        branch3x3dbl_2 = try FoldedConvolution(weights, "branch3x3dbl_2", input: 448, output: 384, kernel: 3, padding: 1)
        branch3x3dbl_3a = try FoldedConvolution(weights, "branch3x3dbl_3a", input: 384, output: 384, kernel: (1, 3), padding: (0, 1))
        branch3x3dbl_3b = try FoldedConvolution(weights, "branch3x3dbl_3b", input: 384, output: 384, kernel: (3, 1), padding: (1, 0))
        branchPool = try FoldedConvolution(weights, "branch_pool", input: input, output: 192, kernel: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let single = branch3x3_1(x)
        let double = branch3x3dbl_2(branch3x3dbl_1(x))
        let pooled = switch pool {
        case .averageExcludingPadding: x.averagePool2dExcludingPadding(kernel: 3, stride: 1, padding: 1)
        case .maximum: x.maxPool2d(kernel: 3, stride: 1, padding: 1)
        }
        return Tensor.concatenateChannels([
            branch1x1(x),
            branch3x3_2a(single), branch3x3_2b(single),
            branch3x3dbl_3a(double), branch3x3dbl_3b(double),
            branchPool(pooled),
        ])
    }
}
