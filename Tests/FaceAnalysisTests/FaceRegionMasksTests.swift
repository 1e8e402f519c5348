@testable import FaceAnalysis
import Foundation
import MediaIO
import Tensors
import XCTest

/// The masks against Hallo's own mask code (masks.safetensors, from hallo/utils/util.py run on the astronaut's
/// detection): rectangles, 64x64 blurred masks and every level exactly (OpenCV's and Pillow's 8-bit arithmetic).
final class FaceRegionMasksTests: XCTestCase {
    private func astronautFace() throws -> DetectedFace {
        struct Entry: Decodable { let astronaut: [DetectedFace] }
        return try XCTUnwrap(JSONDecoder().decode(Entry.self, from: Data(contentsOf: Fixture.url("detections.json"))).astronaut.first)
    }

    private func largestDifference(_ actual: [Float], _ expected: Tensor) -> Float {
        zip(actual, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
    }

    func testRectanglesBlursAndLevelsMatchHallosMaskCode() throws {
        let fixture = try Fixture.safetensors("masks.safetensors")
        let masks = FaceRegionMasks(face: try astronautFace(), imageSide: 512)
        let rectangle = { (r: FaceRegionMasks.Rectangle) in [r.x0, r.x1, r.y0, r.y1].map(Float.init) }
        XCTAssertEqual(rectangle(masks.faceRectangle), try fixture.tensor(named: "face_mask.rectangle").scalars)
        XCTAssertEqual(rectangle(masks.lipRectangle), try fixture.tensor(named: "lip_mask.rectangle").scalars)
        for (name, mask) in [("full", masks.full), ("face", masks.face), ("lip", masks.lip)] {
            let difference = largestDifference(mask.map(Float.init), try fixture.tensor(named: "\(name).64x64"))
            XCTAssertLessThanOrEqual(difference, 0, "\(name) at 64x64 differs by \(difference) of 255")
        }
        for level in 0..<4 {
            let computed = masks.level(level)
            for (name, mask) in [("full", computed.full), ("face", computed.face), ("lip", computed.lip)] {
                let expected = try fixture.tensor(named: "\(name).level\(level)")
                XCTAssertEqual(mask.count, expected.count, "\(name) level \(level) size")
                let difference = largestDifference(mask, expected) * 255
                XCTAssertLessThanOrEqual(difference, 0.001, "\(name) at level \(level) differs by \(difference) of 255")
            }
        }
        XCTAssertEqual(masks.full.max(), 255, "the background is whole far from the face")
        XCTAssertEqual(masks.lip.max(), 255)
    }

    func testPillowBilinearShrinksAStepAsPillowDoes() {
        // 4 -> 2: the triangle filter widened to four inputs (1/8, 3/8, 3/8, 1/8), renormalised at the edges.
        let pixels: [UInt8] = [0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255]
        XCTAssertEqual(PillowBilinear.resize(pixels, from: 4, to: 2), [36, 219, 36, 219], "Pillow 13.0.0 gives these")
        XCTAssertEqual(PillowBilinear.resize(pixels, from: 4, to: 4), pixels)
    }

    func testThePortraitCropCentresTheFaceAtTheDocumentedFractionAndStaysInside() throws {
        let face = try astronautFace()
        let crop = PortraitCrop(around: face, imageWidth: 512, imageHeight: 512)
        XCTAssertEqual(Double(crop.side), max(face.box.width, face.box.height) / PortraitCrop.defaultFaceFraction, accuracy: 1)
        XCTAssertEqual(Double(crop.x) + Double(crop.side) / 2, face.box.center.x, accuracy: 1)
        let mapped = crop.map(face, size: 256)
        XCTAssertEqual(max(mapped.box.width, mapped.box.height) / 256, PortraitCrop.defaultFaceFraction, accuracy: 0.01)
        let image = try FrameReader.readFrame(path: repositoryData.appendingPathComponent("astronaut.png").path)
        let cut = try crop.apply(to: image, size: 256)
        XCTAssertEqual([cut.width, cut.height], [256, 256])
        // The detector finds the face where the mapping puts it.
        let found = try XCTUnwrap(try detector().detect(cut).first)
        XCTAssertEqual(found.box.center.x, mapped.box.center.x, accuracy: 6)
        XCTAssertEqual(found.box.center.y, mapped.box.center.y, accuracy: 6)
        // A face at the image's edge: the square moves inside rather than leaving the image.
        let corner = DetectedFace(box: FaceBox(x1: 0, y1: 0, x2: 100, y2: 120), probability: 1, landmarks: face.landmarks)
        let inside = PortraitCrop(around: corner, imageWidth: 300, imageHeight: 180)
        XCTAssertEqual([inside.x, inside.y, inside.side], [0, 0, 180])
    }

    func testFaceChoiceNamesNoFaceAndRivalFaces() throws {
        let face = try astronautFace()
        XCTAssertEqual(FaceChoice([]), .noFace)
        var faint = face
        faint.probability = 0.5
        XCTAssertEqual(FaceChoice([faint]), .noFace)
        var rival = face
        rival.box = FaceBox(x1: 300, y1: 60, x2: 380, y2: 160)
        XCTAssertEqual(FaceChoice([face, rival]), .severalFaces(count: 2))
        var background = face
        background.box = FaceBox(x1: 300, y1: 60, x2: 320, y2: 80)
        XCTAssertEqual(FaceChoice([background, face]).face, face)
        XCTAssertNotNil(FaceChoice([face, rival]).problem)
    }

    func testTheOverlayDrawsBoxesLandmarksAndMaskOutlines() throws {
        let image = try FrameReader.readFrame(path: repositoryData.appendingPathComponent("astronaut.png").path)
        let face = try astronautFace()
        let drawn = FaceOverlay.draw([face], on: image, masks: FaceRegionMasks(face: face, imageSide: 512))
        XCTAssertEqual(drawn.pixel(x: Int(face.box.x1.rounded()), y: 100).green, 220, "the box's left edge is green")
        XCTAssertEqual(drawn.pixel(x: Int(face.nose.x.rounded()), y: Int(face.nose.y.rounded())).red, 235, "a landmark cross")
        XCTAssertEqual(drawn.pixel(x: 172, y: 100).red, 250, "the face region's outline")
        XCTAssertTrue(drawn.pixel(x: 5, y: 500) == image.pixel(x: 5, y: 500), "nothing else changes")
    }
}
