import FaceAnalysis
import Foundation
import MediaIO
import TemporaryFolders
import XCTest

/// Whole detections against facenet-pytorch's `MTCNN().detect(image, landmarks=True)` on real photographs
/// (detections.json): the same number of faces, boxes and landmarks within 1 pixel, probabilities within 1e-3.
final class FaceDetectorTests: XCTestCase {
    private struct Expected: Decodable {
        let box: [Double]
        let probability: Double
        let landmarks: [[Double]]
    }

    private func expected() throws -> [String: [Expected]] {
        try JSONDecoder().decode([String: [Expected]].self, from: Data(contentsOf: Fixture.url("detections.json")))
    }

    private func imagePath(_ name: String) -> String {
        name == "astronaut" ? repositoryData.appendingPathComponent("astronaut.png").path : Fixture.url("images/\(name).png").path
    }

    func testEveryPhotographMatchesFacenetPytorch() throws {
        let all = try expected()
        XCTAssertEqual(Set(all.keys), ["astronaut", "cat", "no-face", "profile", "several", "small"])
        for (name, faces) in all.sorted(by: { $0.key < $1.key }) {
            let found = try detector().detect(try FrameReader.readFrame(path: imagePath(name)))
            XCTAssertEqual(found.count, faces.count, "\(name): number of faces")
            for (face, reference) in zip(found, faces) {
                let box = [face.box.x1, face.box.y1, face.box.x2, face.box.y2]
                for (a, b) in zip(box, reference.box) { XCTAssertEqual(a, b, accuracy: 1, "\(name): box \(box) vs \(reference.box)") }
                XCTAssertEqual(face.probability, reference.probability, accuracy: 1e-3, "\(name): probability")
                for (point, expected) in zip(face.landmarks, reference.landmarks) {
                    XCTAssertEqual(point.x, expected[0], accuracy: 1, "\(name): landmark x")
                    XCTAssertEqual(point.y, expected[1], accuracy: 1, "\(name): landmark y")
                }
            }
        }
    }

    func testTheAstronautsFaceIsWhereThePackageFindsItAndLargestComesFirst() throws {
        let faces = try detector().detect(try FrameReader.readFrame(path: imagePath("astronaut")))
        XCTAssertEqual(faces.count, 1)
        let face = try XCTUnwrap(faces.first)
        XCTAssertGreaterThan(face.probability, 0.999)
        XCTAssertLessThan(face.leftEye.x, face.rightEye.x, "landmarks in the documented order")
        XCTAssertLessThan(face.nose.y, face.mouthLeft.y)
        let several = try detector().detect(try FrameReader.readFrame(path: imagePath("several")))
        XCTAssertEqual(several.map(\.box.area), several.map(\.box.area).sorted(by: >))
    }

    func testJSONFormIsBoxProbabilityAndFiveLandmarksAndIsCheckedOnRead() throws {
        let face = DetectedFace(box: FaceBox(x1: 1, y1: 2, x2: 30, y2: 40), probability: 0.5,
                                landmarks: (0..<5).map { FacePoint(x: Double($0), y: 10) })
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(face)) as? [String: Any])
        XCTAssertEqual(json["box"] as? [Double], [1, 2, 30, 40])
        XCTAssertEqual((json["landmarks"] as? [[Double]])?.count, 5)
        XCTAssertEqual(try JSONDecoder().decode(DetectedFace.self, from: JSONEncoder().encode(face)), face)
        for bad in [#"{"box":[1,2,3],"probability":0.5,"landmarks":[[0,0],[0,0],[0,0],[0,0],[0,0]]}"#,
                    #"{"box":[5,2,3,4],"probability":0.5,"landmarks":[[0,0],[0,0],[0,0],[0,0],[0,0]]}"#,
                    #"{"box":[1,2,3,4],"probability":1.5,"landmarks":[[0,0],[0,0],[0,0],[0,0],[0,0]]}"#,
                    #"{"box":[1,2,3,4],"probability":0.5,"landmarks":[[0,0]]}"#] {
            XCTAssertThrowsError(try JSONDecoder().decode(DetectedFace.self, from: Data(bad.utf8)), bad)
        }
    }

    func testMissingTruncatedAndMisshapenWeightsAreClearErrors() throws {
        let folder = try makeTemporaryFolder("tbd-face-weights")
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertThrowsError(try FaceDetector(weightsFolder: folder.appendingPathComponent("absent"))) { error in
            XCTAssertTrue("\(error)".contains("pnet.safetensors is not in"), "\(error)")
            XCTAssertTrue("\(error)".contains("fetch-face-weights.py"), "\(error)")
        }
        let source = FaceDetector.defaultWeightsFolder()
        for file in FaceDetector.weightFiles {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        XCTAssertNoThrow(try FaceDetector(weightsFolder: folder))
        let rnet = folder.appendingPathComponent("rnet.safetensors")
        let whole = try Data(contentsOf: rnet)
        try whole.prefix(whole.count / 2).write(to: rnet)
        XCTAssertThrowsError(try FaceDetector(weightsFolder: folder)) { error in
            XCTAssertTrue("\(error)".contains("rnet.safetensors cannot be used"), "\(error)")
        }
        // O-Net's weights where R-Net's belong: names and shapes differ.
        try FileManager.default.removeItem(at: rnet)
        try FileManager.default.copyItem(at: source.appendingPathComponent("onet.safetensors"), to: rnet)
        XCTAssertThrowsError(try FaceDetector(weightsFolder: folder)) { error in
            XCTAssertTrue("\(error)".contains("rnet.safetensors cannot be used") && "\(error)".contains("shape"), "\(error)")
        }
        XCTAssertThrowsError(try detector().detect(RGBImage(width: 8, height: 40, filledWith: (0, 0, 0)))) { error in
            XCTAssertEqual(error as? FaceDetectorError, .imageTooSmall(width: 8, height: 40))
        }
    }

    func testDefaultWeightsFolderFollowsTheEnvironment() {
        XCTAssertEqual(FaceDetector.defaultWeightsFolder(environment: ["TBD_FACE_WEIGHTS": "/w"]).path, "/w")
        XCTAssertEqual(FaceDetector.defaultWeightsFolder(environment: ["XDG_CACHE_HOME": "/c"]).path,
                       "/c/tbd/mtcnn-facenet-pytorch-2.6.0")
    }
}
