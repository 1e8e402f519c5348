@testable import FaceAnalysis
import MediaIO
import TensorTesting
import Tensors
import XCTest

/// Each network of the cascade against facenet-pytorch's on the same inputs (stages.safetensors), at 1e-4.
final class CascadeStageTests: XCTestCase {
    private func astronautPixels() throws -> Tensor {
        FaceDetector.planarPixels(try FrameReader.readFrame(path: repositoryData.appendingPathComponent("astronaut.png").path))
    }

    func testProposalNetworkInputAndMapsMatchAtTwoPyramidScales() throws {
        let stages = try Fixture.safetensors("stages.safetensors")
        let pixels = try astronautPixels()
        for label in ["small", "large"] {
            let scale = Double(try stages.tensor(named: "pnet_\(label).scale").scalars[0])
            let expectedInput = try stages.tensor(named: "pnet_\(label).input")
            let side = expectedInput.shape[2]
            XCTAssertEqual(Int(512 * scale + 1), side, "the pyramid's size rule")
            let input = FaceDetector.normalised(pixels.areaResized(height: side, width: side))
            assertClose(input, expectedInput, relative: 1e-5, "area-resampled input at the \(label) scale")
            let (regression, probability) = try detector().proposal(expectedInput)
            assertClose(regression, try stages.tensor(named: "pnet_\(label).regression"), "P-Net regression, \(label)")
            let expectedProbability = try stages.tensor(named: "pnet_\(label).probability")
            let faceClass = Tensor(shape: [1, 1] + Array(expectedProbability.shape[2...]),
                                   scalars: Array(expectedProbability.scalars[(expectedProbability.count / 2)...]))
            assertClose(probability, faceClass, "P-Net face probability, \(label)")
        }
    }

    func testRefinementAndOutputNetworksMatchOnFixedCrops() throws {
        let stages = try Fixture.safetensors("stages.safetensors")
        let pixels = try astronautPixels()
        let crops = try stages.tensor(named: "rnet.crops").scalars.map(Int.init)
        for (name, side) in [("rnet", 24), ("onet", 48)] {
            let expectedInput = try stages.tensor(named: "\(name).input")
            var batch: [Float] = []
            for index in 0..<(crops.count / 4) {
                let (x1, y1, x2, y2) = (crops[4 * index], crops[4 * index + 1], crops[4 * index + 2], crops[4 * index + 3])
                let crop = Tensor(shape: [1, 3, y2 - y1 + 1, x2 - x1 + 1], scalars: (0..<3).flatMap { c in
                    ((y1 - 1)..<y2).flatMap { y in ((x1 - 1)..<x2).map { x in pixels.scalars[(c * 512 + y) * 512 + x] } }
                })
                batch += crop.areaResized(height: side, width: side).scalars
            }
            assertClose(FaceDetector.normalised(Tensor(shape: expectedInput.shape, scalars: batch)), expectedInput,
                        relative: 1e-5, "\(name) crops")
            let expectedProbability = try stages.tensor(named: "\(name).probability")
            let faceClass = Tensor(shape: [expectedProbability.shape[0]],
                                   scalars: stride(from: 1, to: expectedProbability.count, by: 2).map { expectedProbability.scalars[$0] })
            if name == "rnet" {
                let (regression, probability) = try detector().refinement(expectedInput)
                assertClose(regression, try stages.tensor(named: "rnet.regression"), "R-Net regression")
                assertClose(probability, faceClass, "R-Net face probability")
            } else {
                let (regression, landmarks, probability) = try detector().output(expectedInput)
                assertClose(regression, try stages.tensor(named: "onet.regression"), "O-Net regression")
                assertClose(landmarks, try stages.tensor(named: "onet.landmarks"), "O-Net landmarks")
                assertClose(probability, faceClass, "O-Net face probability")
            }
        }
    }

    func testMaxPoolingKeepsThePartialLastWindowAsCeilModeDoes() {
        // 5 wide, kernel 2, stride 2: windows start at 0, 2, 4; the last covers one column.
        let input = Tensor(shape: [1, 1, 1, 5], scalars: [1, 3, 2, -1, 7]).reshaped([1, 1, 1, 5])
        let pooled = Tensor(shape: [1, 1, 2, 5], scalars: [1, 3, 2, -1, 7, 0, 0, 0, 0, -9]).maxPool2dCeil(kernel: 2, stride: 2)
        XCTAssertEqual(pooled.shape, [1, 1, 1, 3])
        XCTAssertEqual(pooled.scalars, [3, 2, 7])
        XCTAssertEqual(input.parametricReLU(slopes: Tensor(shape: [1], scalars: [0.5])).scalars, [1, 3, 2, -0.5, 7])
    }
}
