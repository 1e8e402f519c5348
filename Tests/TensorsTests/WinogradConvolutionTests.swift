import PackedMatrixProduct
import XCTest
@testable import Tensors
import TensorTesting

/// Winograd's F(4x4, 3x3) against a double-precision direct convolution and PyTorch's fixture. It is not
/// bit-identical to the direct kernel: the transforms scale values by up to 100 before the sums and back after, so
/// the rounding error grows. Tolerance: 5e-4 relative to the output's typical magnitude (`assertClose`), 5x the
/// direct kernel's 1e-4; the worst error measured on these cases is printed.
final class WinogradConvolutionTests: XCTestCase {
    private struct Case {
        let images: Int, channels: Int, height: Int, width: Int, outChannels: Int
        var bias = true
        var name: String { "\(images)x\(channels)x\(height)x\(width) -> \(outChannels)\(bias ? "" : ", no bias")" }
    }

    /// Sides off the 4-output tile (tiles hanging over the right and bottom edges), one-pixel and one-row images,
    /// channels and outputs off the 16 lanes and the 32-column panels, several images; few tiles (each stage split
    /// between cores) and many (cores taking whole blocks of tiles).
    private let cases = [
        Case(images: 2, channels: 8, height: 9, width: 9, outChannels: 5),
        Case(images: 3, channels: 5, height: 7, width: 11, outChannels: 13, bias: false),
        Case(images: 1, channels: 200, height: 6, width: 5, outChannels: 40),
        Case(images: 4, channels: 6, height: 1, width: 1, outChannels: 7),
        Case(images: 1, channels: 17, height: 1, width: 13, outChannels: 33),
        Case(images: 2, channels: 19, height: 30, width: 26, outChannels: 35),
        Case(images: 1, channels: 64, height: 32, width: 32, outChannels: 64),
    ]

    /// The held transform, and streamed Winograd (the weight transformed in each call, block by block) with this
    /// machine's channel blocks and with blocks of 16 channels (several per layer, the last one partial, their sums
    /// added). Both run Winograd's arithmetic, the streamed transform in Float32 and the held one in double: each came
    /// within 4e-5 of the double-precision result on these cases, so they are held within 1e-4 of each other.
    func testMatchesDoublePrecisionDirectEvaluation() throws {
        try XCTSkipUnless(WinogradConvolutionWeight.kernelRuns, "this processor lacks the AVX-512 Winograd convolution")
        var worst: (held: Float, streamed: Float) = (0, 0)
        for (index, c) in cases.enumerated() {
            let seed = 900 + UInt64(index) * 3
            let x = Tensor.pseudoRandom([c.images, c.channels, c.height, c.width], seed: seed)
            let w = Tensor.pseudoRandom([c.outChannels, c.channels, 3, 3], seed: seed + 1)
            let b = c.bias ? Tensor.pseudoRandom([c.outChannels], seed: seed + 2) : nil
            let expected = Self.directConvolution(x, w, b)
            let held = x.winogradConv2d(weight: WinogradConvolutionWeight(w), bias: b)
            assertClose(held, expected, relative: 5e-4, c.name)
            worst.held = max(worst.held, Self.relativeError(held, expected))
            let streamedWeight = StreamedWinogradWeight(w)
            for block in [nil, 16] {
                let streamed = x.winogradConv2d(streamed: streamedWeight, bias: b, channelBlock: block)
                assertClose(streamed, expected, relative: 5e-4, "\(c.name), streamed in blocks of \(block.map(String.init) ?? "this machine's") channels")
                assertClose(streamed, held, relative: 1e-4, "\(c.name), streamed against held")
                worst.streamed = max(worst.streamed, Self.relativeError(streamed, expected))
            }
        }
        print("Winograd F(4x4, 3x3) against double-precision direct evaluation: worst error \(worst.held) held, \(worst.streamed) streamed, of the mean magnitude")
    }

    /// PyTorch's 3x3 fixture (ops.safetensors, made by scripts/make-parity-fixtures.py).
    func testMatchesThePyTorchFixture() throws {
        try XCTSkipUnless(WinogradConvolutionWeight.kernelRuns, "this processor lacks the AVX-512 Winograd convolution")
        let ops = try Fixture.safetensors("ops.safetensors")
        let (x, w, b) = (try ops.tensor(named: "conv.x"), try ops.tensor(named: "conv3x3.w"), try ops.tensor(named: "conv3x3.b"))
        assertClose(x.winogradConv2d(weight: WinogradConvolutionWeight(w), bias: b), try ops.tensor(named: "conv3x3.out"), relative: 5e-4, "PyTorch 3x3")
    }

    /// Blocks of tiles and the split between cores only regroup the work: every tile's sums run in the same order,
    /// so the smallest blocking (12 tiles per block, 16 inner values) gives the same bits as this machine's.
    func testBlockingDoesNotChangeTheSums() throws {
        try XCTSkipUnless(WinogradConvolutionWeight.kernelRuns, "this processor lacks the AVX-512 Winograd convolution")
        let x = Tensor.pseudoRandom([2, 21, 23, 29], seed: 950)
        let weight = WinogradConvolutionWeight(Tensor.pseudoRandom([37, 21, 3, 3], seed: 951))
        let b = Tensor.pseudoRandom([37], seed: 952)
        let machine = x.winogradConv2d(weight: weight, bias: b)
        let smallest = x.winogradConv2d(weight: weight, bias: b, blocking: PackedMatrixBlocking(inner_block: 16, row_block: 12))
        XCTAssertEqual(machine.scalars, smallest.scalars)
    }

    func testTheSettingIsReadFromItsNames() {
        XCTAssertEqual(ConvolutionChoice.Setting(named: nil), .automatic)
        XCTAssertEqual(ConvolutionChoice.Setting(named: "auto"), .automatic)
        XCTAssertEqual(ConvolutionChoice.Setting(named: "direct"), .forced(.direct))
        XCTAssertEqual(ConvolutionChoice.Setting(named: "Winograd"), .forced(.winograd))
        XCTAssertEqual(ConvolutionChoice.Setting(named: "unfolded"), .forced(.unfolded))
        XCTAssertEqual(ConvolutionChoice.Setting(named: "winograd-streamed"), .forced(.winogradStreamed))
        XCTAssertNil(ConvolutionChoice.Setting(named: "fast"))
    }

    /// The first call of a shape measures the algorithms and keeps one for the shape; a layer keeps the transformed
    /// or streamed weight only where that Winograd was kept; `direct` makes no Winograd weight at all.
    func testALayerMeasuresEachShapeOnceAndKeepsTheFaster() throws {
        try XCTSkipUnless(WinogradConvolutionWeight.kernelRuns, "this processor lacks the AVX-512 Winograd convolution")
        let w = Tensor.pseudoRandom([11, 9, 3, 3], seed: 960)
        let b = Tensor.pseudoRandom([11], seed: 961)
        XCTAssertNil(ConvolutionCandidates(w, stride: 1, padding: 1, setting: .forced(.direct)))
        XCTAssertNil(ConvolutionCandidates(w, stride: 2, padding: 1, setting: .automatic))
        XCTAssertNil(ConvolutionCandidates(Tensor.pseudoRandom([11, 9, 5, 5], seed: 962), stride: 1, padding: 2, setting: .automatic))
        let layer = try XCTUnwrap(ConvolutionCandidates(w, stride: 1, padding: 1, setting: .automatic, budget: Self.unlimited))
        // A shape no other test runs, so this test's call is the first.
        let x = Tensor.pseudoRandom([3, 9, 13, 7], seed: 963)
        let shape = ConvolutionChoice.Shape(channels: 9, outChannels: 11, height: 13, width: 7, images: 3)
        XCTAssertNil(ConvolutionChoice.decision(for: shape))
        let expected = Self.directConvolution(x, w, b)
        assertClose(layer(x, bias: b, setting: .automatic), expected, relative: 5e-4, "first call")
        let measurement = try XCTUnwrap(ConvolutionChoice.measurements.first { $0.shape == shape })
        XCTAssertGreaterThan(measurement.direct, 0)
        XCTAssertGreaterThan(measurement.winograd, 0)
        XCTAssertGreaterThan(try XCTUnwrap(measurement.winogradStreamed), 0)
        XCTAssertEqual(ConvolutionChoice.decision(for: shape), measurement.chosen)
        XCTAssertEqual(layer.holdsTransformedWeight, measurement.chosen == .winograd)
        XCTAssertEqual(layer.holdsStreamedWeight, measurement.chosen == .winogradStreamed)
        // 273 patches against 11 outputs: the unfolded product is no candidate here.
        XCTAssertNil(measurement.unfolded)
        XCTAssertFalse(layer.holdsPackedWeight)
        let second = layer(x, bias: b, setting: .automatic)
        assertClose(second, expected, relative: 5e-4, "second call")
        XCTAssertEqual(ConvolutionChoice.measurements.filter { $0.shape == shape }.count, 1)
        let byChosen = switch measurement.chosen {
        case .winograd: x.winogradConv2d(weight: WinogradConvolutionWeight(w), bias: b)
        case .winogradStreamed: x.winogradConv2d(streamed: StreamedWinogradWeight(w), bias: b)
        default: x.conv2d(weight: w, bias: b, padding: 1)
        }
        XCTAssertEqual(second.scalars, byChosen.scalars, "the second call runs the kept algorithm")
        // Forced Winograd runs it whatever the measurement said.
        XCTAssertEqual(layer(x, bias: b, setting: .forced(.winograd)).scalars,
                       x.winogradConv2d(weight: WinogradConvolutionWeight(w), bias: b).scalars)
    }

    /// On an image with no more patches than outputs the unfolded product is measured too; whichever of the four is
    /// kept, the layer holds only its form, later calls run it, and forcing the product runs it whatever was kept.
    func testSmallImagesAlsoMeasureTheUnfoldedProduct() throws {
        try XCTSkipUnless(WinogradConvolutionWeight.kernelRuns, "this processor lacks the AVX-512 Winograd convolution")
        let w = Tensor.pseudoRandom([13, 7, 3, 3], seed: 970)
        let b = Tensor.pseudoRandom([13], seed: 971)
        let layer = try XCTUnwrap(ConvolutionCandidates(w, stride: 1, padding: 1, setting: .automatic, budget: Self.unlimited))
        // 2 x 2 x 3 = 12 patches for 13 outputs, a shape no other test runs.
        let x = Tensor.pseudoRandom([2, 7, 2, 3], seed: 972)
        let shape = ConvolutionChoice.Shape(channels: 7, outChannels: 13, height: 2, width: 3, images: 2)
        XCTAssertNil(ConvolutionChoice.decision(for: shape))
        XCTAssertTrue(layer.productFits(x))
        XCTAssertFalse(layer.productFits(Tensor.pseudoRandom([2, 7, 2, 4], seed: 973)), "16 patches for 13 outputs")
        let expected = Self.directConvolution(x, w, b)
        assertClose(layer(x, bias: b, setting: .automatic), expected, relative: 5e-4, "first call")
        let measurement = try XCTUnwrap(ConvolutionChoice.measurements.first { $0.shape == shape })
        let unfolded = try XCTUnwrap(measurement.unfolded)
        XCTAssertGreaterThan(unfolded, 0)
        let streamed = try XCTUnwrap(measurement.winogradStreamed)
        let times: [ConvolutionAlgorithm: Double] = [.direct: measurement.direct, .winograd: measurement.winograd,
                                                     .unfolded: unfolded, .winogradStreamed: streamed]
        XCTAssertEqual(times[measurement.chosen], times.values.min())
        XCTAssertEqual(layer.holdsTransformedWeight, measurement.chosen == .winograd)
        XCTAssertEqual(layer.holdsPackedWeight, measurement.chosen == .unfolded)
        XCTAssertEqual(layer.holdsStreamedWeight, measurement.chosen == .winogradStreamed)
        // The Float32 weight is held once: in its own layout, or in the kept product's panels or streamed layout,
        // from which it comes back exactly.
        let heldByForm = [.unfolded, .winogradStreamed].contains(measurement.chosen)
        XCTAssertEqual(layer.holdsPlainWeight, !heldByForm)
        XCTAssertEqual(layer.float32Weight.shape, w.shape)
        XCTAssertEqual(layer.float32Weight.scalars, w.scalars)
        assertClose(layer(x, bias: b, setting: .forced(.direct)), expected, relative: 5e-4, "the direct kernel after the choice")
        // Another layer of the shape follows the kept choice from its first call, holding only that form after it.
        let other = try XCTUnwrap(ConvolutionCandidates(w, stride: 1, padding: 1, setting: .automatic, budget: Self.unlimited))
        assertClose(other(x, bias: b, setting: .automatic), expected, relative: 5e-4, "another layer's first call")
        XCTAssertEqual(other.holdsPlainWeight, !heldByForm)
        XCTAssertEqual(other.holdsPackedWeight, measurement.chosen == .unfolded)
        XCTAssertEqual(other.holdsTransformedWeight, measurement.chosen == .winograd)
        let product = x.productConv2d(weight: PackedLinearWeight(w.reshaped([13, 63]), precision: .f32), bias: b, kernel: 3, stride: 1, padding: 1)
        assertClose(product, expected, relative: 5e-4, "the unfolded product")
        XCTAssertEqual(layer(x, bias: b, setting: .forced(.unfolded)).scalars, product.scalars)
        if measurement.chosen == .unfolded {
            XCTAssertEqual(layer(x, bias: b, setting: .automatic).scalars, product.scalars, "the second call runs the kept product")
        }
    }

    /// A streamed call's channel block comes from the caches: its working set (36 x (32 + rows) floats per channel,
    /// rows rounded up to the product's 12-row tiles) within half of the core's share of L3, that share capped at 16x
    /// L2, 8x L2 where no L3 is known.
    func testStreamedChannelBlocksFollowTheCaches() {
        let mib = 1 << 20
        func block(rows: Int, l2: Int = mib, l3Share: Int) -> Int { StreamedWinogradWeight.channelBlock(rows: rows, l2: l2, l3Share: l3Share) }
        let few = block(rows: 8, l3Share: 16 * mib)
        XCTAssertEqual(few % 16, 0)
        XCTAssertLessThanOrEqual(few * 36 * (32 + 12) * 4, 8 * mib)
        XCTAssertGreaterThan((few + 16) * 36 * (32 + 12) * 4, 8 * mib)
        XCTAssertLessThan(block(rows: 168, l3Share: 16 * mib), few, "more tiles, shorter blocks")
        XCTAssertEqual(block(rows: 8, l3Share: 320 * mib), few, "an L3 share past 16x L2 counts as 16x L2")
        XCTAssertEqual(block(rows: 8, l3Share: 0), block(rows: 8, l3Share: 8 * mib), "no L3 known: 8x L2")
        XCTAssertEqual(block(rows: 4000, l2: 16_384, l3Share: 0), 16, "at least 16 channels")
    }

    /// The streamed layout holds the weight exactly: a layer whose shape kept streamed Winograd holds only that
    /// layout, and the weight comes back from it bit for bit when another algorithm needs it.
    func testAStreamedLayerHoldsItsWeightOnceAndGivesItBackExactly() throws {
        try XCTSkipUnless(WinogradConvolutionWeight.kernelRuns, "this processor lacks the AVX-512 Winograd convolution")
        let w = Tensor.pseudoRandom([37, 21, 3, 3], seed: 1990)
        let b = Tensor.pseudoRandom([37], seed: 1991)
        let x = Tensor.pseudoRandom([2, 21, 6, 7], seed: 1992)
        // Outputs off the panels (arranged into new storage) and on them (arranged in the weight's own storage).
        for outputs in [37, 64] {
            let weight = Tensor.pseudoRandom([outputs, 21, 3, 3], seed: 1993)
            XCTAssertEqual(StreamedWinogradWeight(weight).unarranged.scalars, weight.scalars)
            var form: StreamedWinogradWeight? = StreamedWinogradWeight(weight)
            XCTAssertEqual(StreamedWinogradWeight.unarrange(&form), weight)
            XCTAssertNil(form)
        }
        // A shape no other test runs, recorded as streamed Winograd's before any call.
        let shape = ConvolutionChoice.Shape(channels: 21, outChannels: 37, height: 6, width: 7, images: 2)
        XCTAssertNil(ConvolutionChoice.decision(for: shape))
        var measurement = ConvolutionChoice.Measurement(shape: shape, direct: 3e-3, winograd: 2e-3)
        measurement.winogradStreamed = 1e-3
        ConvolutionChoice.record(measurement)
        let layer = try XCTUnwrap(ConvolutionCandidates(w, stride: 1, padding: 1, setting: .automatic, budget: Self.unlimited))
        XCTAssertEqual(layer(x, bias: b, setting: .automatic).scalars, x.winogradConv2d(streamed: StreamedWinogradWeight(w), bias: b).scalars)
        XCTAssertTrue(layer.holdsStreamedWeight)
        XCTAssertFalse(layer.holdsPlainWeight)
        XCTAssertFalse(layer.holdsTransformedWeight)
        XCTAssertEqual(layer.float32Weight.scalars, w.scalars)
        XCTAssertEqual(layer(x, bias: b, setting: .forced(.direct)).scalars, x.conv2d(weight: w, bias: b, padding: 1).scalars)
    }

    /// A budget that admits every layer Winograd makes faster, so the checks above see the measured choice itself.
    private static let unlimited = TransformedWeightBudget(limit: .unlimited)

    /// A shape measured as Winograd's runs Winograd only while the budget admits the layer: with no room the layer
    /// runs the runner-up (here the direct kernel) and holds no transformed weight; with room it holds one, counted
    /// until the layer goes.
    func testWinogradHoldsOnlyWhatItsBudgetAdmits() throws {
        try XCTSkipUnless(WinogradConvolutionWeight.kernelRuns, "this processor lacks the AVX-512 Winograd convolution")
        let w = Tensor.pseudoRandom([10, 6, 3, 3], seed: 980)
        let b = Tensor.pseudoRandom([10], seed: 981)
        let x = Tensor.pseudoRandom([1, 6, 9, 11], seed: 982)
        // A shape no other test runs, recorded as Winograd's (half the direct kernel's time) before any call.
        let shape = ConvolutionChoice.Shape(channels: 6, outChannels: 10, height: 9, width: 11, images: 1)
        XCTAssertNil(ConvolutionChoice.decision(for: shape))
        ConvolutionChoice.record(ConvolutionChoice.Measurement(shape: shape, direct: 2e-3, winograd: 1e-3))
        let byDirect = x.conv2d(weight: w, bias: b, padding: 1)
        let byWinograd = x.winogradConv2d(weight: WinogradConvolutionWeight(w), bias: b)
        let bytes = WinogradConvolutionWeight(w).packed.count * MemoryLayout<Float>.size

        let full = TransformedWeightBudget(limit: .bytes(bytes - 1))
        let refused = try XCTUnwrap(ConvolutionCandidates(w, stride: 1, padding: 1, setting: .automatic, budget: full))
        XCTAssertEqual(refused(x, bias: b, setting: .automatic).scalars, byDirect.scalars, "the runner-up runs")
        XCTAssertFalse(refused.holdsTransformedWeight)
        XCTAssertEqual(full.held, 0)

        let roomy = TransformedWeightBudget(limit: .bytes(bytes))
        var admitted: ConvolutionCandidates? = try XCTUnwrap(ConvolutionCandidates(w, stride: 1, padding: 1, setting: .automatic, budget: roomy))
        XCTAssertEqual(admitted!(x, bias: b, setting: .automatic).scalars, byWinograd.scalars, "Winograd runs")
        XCTAssertTrue(admitted!.holdsTransformedWeight)
        XCTAssertEqual(roomy.held, bytes)
        // A second layer of the shape finds the budget spent (an equal saving per byte displaces no one): it runs the
        // direct kernel until the first goes.
        let second = try XCTUnwrap(ConvolutionCandidates(w, stride: 1, padding: 1, setting: .automatic, budget: roomy))
        XCTAssertEqual(second(x, bias: b, setting: .automatic).scalars, byDirect.scalars)
        XCTAssertFalse(second.holdsTransformedWeight)
        admitted = nil
        XCTAssertEqual(roomy.held, 0, "a layer that goes gives its bytes back")
        XCTAssertEqual(second(x, bias: b, setting: .automatic).scalars, byWinograd.scalars)
        XCTAssertEqual(roomy.held, bytes)
    }

    /// The budget goes to the best saving per byte that fits. A layer displaced by a better one drops its form at
    /// once, before the better one counts its own, so what is held never passes the budget; a layer that goes
    /// frees its place.
    func testTheBudgetAdmitsTheBestSavingPerByte() {
        let budget = TransformedWeightBudget(limit: .bytes(100))
        let layers = [NSObject(), NSObject(), NSObject()]  // alive to the end, so their identifiers stay distinct
        let (small, large, better) = (ObjectIdentifier(layers[0]), ObjectIdentifier(layers[1]), ObjectIdentifier(layers[2]))
        var dropped: [ObjectIdentifier] = []
        func drop(_ layer: ObjectIdentifier) -> () -> Void { { dropped.append(layer); budget.release(layer) } }
        XCTAssertTrue(budget.mayHold(large, bytes: 80, secondsSaved: 8, holding: false, drop: drop(large)))
        XCTAssertFalse(budget.mayHold(small, bytes: 40, secondsSaved: 2, holding: false, drop: drop(small)), "0.05 s per byte, after 0.1; no room")
        XCTAssertEqual(budget.held, 80)
        // 0.2 s per byte displaces the large layer (0.1); the small one (0.05) now fits beside the better one.
        XCTAssertTrue(budget.mayHold(better, bytes: 50, secondsSaved: 10, holding: false, drop: drop(better)))
        XCTAssertEqual(dropped, [large])
        XCTAssertEqual(budget.held, 50)
        XCTAssertFalse(budget.mayHold(large, bytes: 80, secondsSaved: 8, holding: false, drop: drop(large)))
        XCTAssertTrue(budget.mayHold(small, bytes: 40, secondsSaved: 2, holding: false, drop: drop(small)))
        XCTAssertTrue(budget.mayHold(better, bytes: 50, secondsSaved: 10, holding: true, drop: drop(better)))
        XCTAssertEqual(budget.held, 90)
        // The better layer goes: the large one is admitted again and displaces the small one, which no longer fits.
        budget.leave(better)
        XCTAssertEqual(budget.held, 40)
        XCTAssertTrue(budget.mayHold(large, bytes: 80, secondsSaved: 8, holding: false, drop: drop(large)))
        XCTAssertEqual(dropped, [large, small])
        XCTAssertEqual(budget.held, 80)
        // A layer Winograd does not make faster is never admitted.
        XCTAssertFalse(TransformedWeightBudget(limit: .unlimited).mayHold(large, bytes: 1, secondsSaved: 0, holding: false, drop: {}))
    }

    func testTheBudgetIsReadFromItsSetting() {
        XCTAssertEqual(TransformedWeightBudget.Limit(named: nil), .weights(0.25))
        XCTAssertEqual(TransformedWeightBudget.Limit(named: ""), .weights(0.25))
        XCTAssertEqual(TransformedWeightBudget.Limit(named: "1.5"), .weights(1.5))
        XCTAssertEqual(TransformedWeightBudget.Limit(named: "0"), .weights(0))
        XCTAssertEqual(TransformedWeightBudget.Limit(named: "Unlimited"), .unlimited)
        XCTAssertNil(TransformedWeightBudget.Limit(named: "-1"))
        XCTAssertNil(TransformedWeightBudget.Limit(named: "lots"))
        XCTAssertNil(TransformedWeightBudget.Limit(named: "nan"))
        let budget = TransformedWeightBudget(limit: .weights(0.5))
        XCTAssertEqual(budget.capacity, 0)
        budget.addLoadedWeights(count: 1000)
        XCTAssertEqual(budget.capacity, 2000, "half of 1000 Float32 values")
    }

    /// A workload may lower the default limit, never one the user set; a layer holding its form beyond the lowered
    /// limit drops it at once, and is told no at its next call.
    func testADefaultBudgetCanBeLoweredAndAUsersCannot() {
        let layer = ObjectIdentifier(NSObject())
        let byDefault = TransformedWeightBudget(limit: .bytes(100), setByUser: false)
        var dropped = 0
        XCTAssertTrue(byDefault.mayHold(layer, bytes: 80, secondsSaved: 1, holding: false, drop: { dropped += 1; byDefault.release(layer) }))
        XCTAssertEqual(byDefault.held, 80)
        byDefault.lowerDefault(to: .bytes(0))
        XCTAssertEqual(byDefault.limit, .bytes(0))
        XCTAssertEqual(dropped, 1)
        XCTAssertEqual(byDefault.held, 0)
        XCTAssertFalse(byDefault.mayHold(layer, bytes: 80, secondsSaved: 1, holding: false, drop: {}))
        let users = TransformedWeightBudget(limit: .weights(0.25))
        users.lowerDefault(to: .weights(0))
        XCTAssertEqual(users.limit, .weights(0.25))
    }

    /// The largest |actual - expected| over the mean |expected|.
    private static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
        let scale = expected.scalars.reduce(0) { $0 + abs($1) } / Float(max(1, expected.count))
        return zip(actual.scalars, expected.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) } / scale
    }

    /// The convolution in double precision, zero padding 1.
    private static func directConvolution(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> Tensor {
        let (images, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outChannels = w.shape[0]
        var out = Tensor(zeros: [images, outChannels, height, width])
        for n in 0..<images { for o in 0..<outChannels { for oy in 0..<height { for ox in 0..<width {
            var sum = Double(b?.scalars[o] ?? 0)
            for c in 0..<channels { for ky in 0..<3 { for kx in 0..<3 {
                let (iy, ix) = (oy - 1 + ky, ox - 1 + kx)
                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                sum += Double(x.scalars[((n * channels + c) * height + iy) * width + ix]) * Double(w.scalars[((o * channels + c) * 3 + ky) * 3 + kx])
            } } }
            out.scalars[((n * outChannels + o) * height + oy) * width + ox] = Float(sum)
        } } } }
        return out
    }
}
