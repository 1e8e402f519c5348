import Foundation
import TemporaryFolders
import Tensors
import XCTest

/// What `WeightReader` checks of a weights file beyond names and shapes: every weight finite, and every tensor in
/// the file read by some layer.
final class WeightReaderTests: XCTestCase {
    private func weightsFile(_ tensors: [String: Tensor]) throws -> URL {
        let folder = try makeTemporaryFolder("tbd-weights")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try SafeTensorsWriter.write(tensors: tensors, to: url)
        return url
    }

    /// One NaN weight made every output NaN (or, behind a ReLU, zero) while the network loaded without a word.
    func testANonFiniteWeightIsRefusedNamingTheTensorAndTheFile() throws {
        for bad in [Float.nan, .infinity, -.infinity] {
            let url = try weightsFile(["layer.weight": Tensor(shape: [2, 2], scalars: [1, 2, bad, 4]),
                                       "layer.bias": Tensor(shape: [2], scalars: [0, 0])])
            let reader = WeightReader(source: try SafeTensorsFile(contentsOf: url))
            XCTAssertNoThrow(try reader("layer.bias", shape: [2]))
            XCTAssertThrowsError(try LinearLayer(reader, "layer", input: 2, output: 2)) { error in
                XCTAssertEqual(error as? ModelLoadingError, .nonFiniteWeight(name: "layer.weight", file: url.path))
                XCTAssertEqual("\(error)", "weight layer.weight in \(url.path) holds NaN or infinite values")
            }
        }
    }

    /// A file holding tensors that no layer reads describes another network than the one built.
    func testTensorsNoLayerReadsAreAnErrorNamingThemAndTheFile() throws {
        let url = try weightsFile(["layer.weight": Tensor(zeros: [2, 2]), "layer.bias": Tensor(zeros: [2]),
                                   "extra.b": Tensor(zeros: [1]), "extra.a": Tensor(zeros: [1])])
        let file = try SafeTensorsFile(contentsOf: url)
        _ = try LinearLayer(WeightReader(source: file), "layer", input: 2, output: 2)
        XCTAssertEqual(file.unreadNames, ["extra.a", "extra.b"])
        XCTAssertThrowsError(try file.requireEveryTensorRead()) { error in
            XCTAssertEqual(error as? ModelLoadingError, .unusedWeights(file: url.path, names: ["extra.a", "extra.b"], count: 2))
            XCTAssertTrue("\(error)".hasPrefix("\(url.path) holds 2 tensors the network does not use (extra.a, extra.b)"), "\(error)")
        }
        XCTAssertThrowsError(try file.requireEveryTensorRead(ignoring: { $0 == "extra.a" })) { error in
            XCTAssertEqual(error as? ModelLoadingError, .unusedWeights(file: url.path, names: ["extra.b"], count: 1))
        }
        XCTAssertNoThrow(try file.requireEveryTensorRead(ignoring: { $0.hasPrefix("extra.") }))
        // Asking whether a name exists (an alternative layout) is not reading it.
        XCTAssertTrue(file.contains("extra.a"))
        XCTAssertEqual(file.unreadNames, ["extra.a", "extra.b"])
    }

    /// Many unread tensors: the first five are named, and the count says how many there are.
    func testALongListOfUnreadTensorsIsCut() throws {
        let url = try weightsFile(Dictionary(uniqueKeysWithValues: (0..<8).map { ("t\($0)", Tensor(zeros: [1])) }))
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: url).requireEveryTensorRead()) { error in
            XCTAssertEqual(error as? ModelLoadingError, .unusedWeights(file: url.path, names: ["t0", "t1", "t2", "t3", "t4"], count: 8))
            XCTAssertTrue("\(error)".contains("(t0, t1, t2, t3, t4, ...)"), "\(error)")
        }
    }
}
