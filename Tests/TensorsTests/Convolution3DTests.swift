@testable import Tensors
import TensorTesting
import XCTest

/// The 3-D operations FVD's I3D needs, against PyTorch (ops3d.safetensors, made by scripts/make-i3d-fixtures.py):
/// `F.conv3d` on `F.pad`-ded inputs, max pools padded with -infinity, average pools; and TensorFlow's "SAME" padding.
final class Convolution3DTests: XCTestCase {
    func testConvolutionsMatchPyTorch() throws {
        let fixture = try Fixture.safetensors("ops3d.safetensors")
        let x = try fixture.tensor(named: "x")
        // F.pad's order is (left, right, top, bottom, front, back).
        let cases: [(String, (time: Int, space: Int), Padding3D)] = [
            ("same", (1, 1), Padding3D(front: 1, back: 1, top: 1, bottom: 1, left: 1, right: 1)),
            ("stem", (2, 2), Padding3D(front: 0, back: 1, top: 2, bottom: 2, left: 1, right: 2)),
            ("point", (1, 1), .none),
            ("wide", (1, 2), Padding3D(front: 2, back: 1, top: 0, bottom: 0, left: 0, right: 1)),
        ]
        for (name, stride, padding) in cases {
            let result = x.conv3d(weight: try fixture.tensor(named: "conv_\(name)_weight"), bias: try fixture.tensor(named: "conv_\(name)_bias"),
                                  stride: stride, padding: padding)
            assertClose(result, try fixture.tensor(named: "conv_" + name), relative: 1e-5, name)
        }
    }

    func testPoolsMatchPyTorch() throws {
        let fixture = try Fixture.safetensors("ops3d.safetensors")
        let x = try fixture.tensor(named: "x")
        let cases: [(String, (Int, Int, Int), (Int, Int, Int), Padding3D)] = [
            ("space", (1, 3, 3), (1, 2, 2), Padding3D(top: 0, bottom: 1, left: 0, right: 1)),
            ("cube", (3, 3, 3), (2, 2, 2), Padding3D(front: 1, back: 1, top: 1, bottom: 1, left: 0, right: 1)),
            ("inside", (3, 3, 3), (1, 1, 1), Padding3D(front: 1, back: 1, top: 1, bottom: 1, left: 1, right: 1)),
        ]
        for (name, kernel, stride, padding) in cases {
            // The input has negative values: a zero in the padding would win where PyTorch's -infinity does not.
            XCTAssertEqual(x.maxPool3d(kernel: kernel, stride: stride, padding: padding), try fixture.tensor(named: "max_" + name), name)
        }
        assertClose(x.averagePool3d(kernel: (2, 3, 2), stride: (1, 2, 1)), try fixture.tensor(named: "average"), relative: 1e-6)
    }

    func testFramesLayoutRoundTrips() {
        let video = Tensor(shape: [2, 3, 4, 2, 1], scalars: (0..<48).map(Float.init))
        let frames = video.framesFirst()
        XCTAssertEqual(frames.shape, [8, 3, 2, 1])
        // Frame 1 of video 0: channel c's plane starts at (c * 4 + 1) * 2.
        XCTAssertEqual(Array(frames.scalars[6..<12]), [2, 3, 10, 11, 18, 19])
        XCTAssertEqual(frames.framesToVideo(batch: 2), video)
    }

    func testTensorFlowSamePadding() {
        // I3D's stem: 7x7x7 at stride 2 over 16 frames of 224: 5 to pad on each axis, 2 in front and 3 behind.
        XCTAssertEqual(Padding3D.tensorFlowSame(size: (16, 224, 224), kernel: (7, 7, 7), stride: (2, 2, 2)),
                       Padding3D(front: 2, back: 3, top: 2, bottom: 3, left: 2, right: 3))
        // An odd size the stride does not divide pads kernel - size % stride; a 1x1x1 kernel pads nothing.
        XCTAssertEqual(Padding3D.tensorFlowSame(size: (5, 7, 4), kernel: (3, 3, 2), stride: (2, 2, 2)),
                       Padding3D(front: 1, back: 1, top: 1, bottom: 1, left: 0, right: 0))
        XCTAssertEqual(Padding3D.tensorFlowSame(size: (8, 56, 56), kernel: (1, 1, 1), stride: (1, 1, 1)), .none)
    }
}
