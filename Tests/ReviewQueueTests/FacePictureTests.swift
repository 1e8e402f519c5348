import Foundation
import MediaIO
@testable import ReviewQueue
import Store
import TestSupport
import XCTest

/// The review picture of an item whose reference has a stored face: the face crop by default, `f` for the whole frame.
final class FacePictureTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func face(box: [Double], frameWidth: Int = 200, frameHeight: Int = 100, frameIndex: Int = 0) -> ReferenceFace {
        ReferenceFace(
            box: box, probability: 0.99, landmarks: Array(repeating: [box[0], box[1]], count: 5), frameWidth: frameWidth,
            frameHeight: frameHeight, frameIndex: frameIndex, detector: "mtcnn facenet-pytorch 2.6.0")
    }

    func testTheCropIsASquareOneAndAHalfTimesTheBoxClampedToTheFrame() {
        // A 20x40 box centred at (100, 50): a 60-pixel square around its centre.
        XCTAssertEqual(PictureCrop.face(face(box: [90, 30, 110, 70])), PictureCrop(x: 70 / 200, y: 20 / 100, width: 60 / 200, height: 60 / 100))
        // At the top-left corner the square moves inside the frame rather than leaving it.
        XCTAssertEqual(PictureCrop.face(face(box: [0, 0, 20, 20])), PictureCrop(x: 0, y: 0, width: 30 / 200, height: 30 / 100))
        XCTAssertEqual(PictureCrop.face(face(box: [190, 90, 200, 100])), PictureCrop(x: 185 / 200, y: 85 / 100, width: 15 / 200, height: 15 / 100))
        // A box larger than the frame's height: the square is as tall as the frame.
        XCTAssertEqual(PictureCrop.face(face(box: [50, 0, 150, 100])), PictureCrop(x: 50 / 200, y: 0, width: 100 / 200, height: 1))
    }

    /// A blue picture with a red square: the crop around the square shows red only, the whole frame mostly blue.
    private func writePicture() throws -> String {
        var pixels: [UInt8] = []
        for y in 0..<64 { for x in 0..<64 { pixels += (40..<56).contains(x) && (8..<24).contains(y) ? [230, 20, 20] : [20, 20, 230] } }
        let path = folder.appendingPathComponent("frame.png").path
        try ImageEncoding.png(RGBImage(width: 64, height: 64, pixels: pixels)).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testTheDecoderCropsTheFrameToThePicturesCrop() throws {
        let path = try writePicture()
        let crop = PictureCrop(x: 40 / 64, y: 8 / 64, width: 16 / 64, height: 16 / 64)
        let cropped = try MediaIOFrameDecoder().decodeFrame(ReferencePicture(path: path, frameIndex: 0, crop: crop), width: 16, height: 16)
        XCTAssertEqual(cropped.width, 16)
        for (x, y) in [(0, 0), (8, 8), (15, 15)] { XCTAssertGreaterThan(cropped.pixel(x: x, y: y).0, 200, "red at \(x), \(y)") }
        let whole = try MediaIOFrameDecoder().decodeFrame(path: path, width: 16, height: 16)
        XCTAssertGreaterThan(whole.pixel(x: 2, y: 14).2, 200, "the whole frame is mostly blue")
        // A crop reaching past the frame is cut at its edge, never outside the pixels.
        let edge = try MediaIOFrameDecoder().decodeFrame(ReferencePicture(path: path, crop: PictureCrop(x: 0.9, y: 0.9, width: 0.5, height: 0.5)), width: 8, height: 8)
        XCTAssertEqual(edge.bytes.count, 8 * 8 * 3)
    }

    func testTheSessionShowsTheFaceAndFTogglesTheWholeFrame() throws {
        let store = try ProjectStore(path: folder.appendingPathComponent("r.sqlite").path)
        let path = try writePicture()
        _ = try store.addAnnotations([sampleAnnotation(0, sourcePath: path), sampleAnnotation(1, sourcePath: path)])
        let stored = face(box: [40, 8, 56, 24], frameWidth: 64, frameHeight: 64, frameIndex: 0)
        try store.recordReferenceFace(stored, contentHash: "hash0")
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        XCTAssertEqual(session.detail?.referenceFace?.box, stored.box)
        XCTAssertEqual(session.picture, ReferencePicture(path: path, frameIndex: 0, crop: PictureCrop.face(stored)), "the face by default")
        XCTAssertTrue(ReviewScreen.keysThatApply(session).contains("f frame"))
        _ = session.handle(.character("f"))
        XCTAssertEqual(session.picture, ReferencePicture(path: path, frameIndex: 0, crop: nil), "f: the whole frame")
        XCTAssertEqual(session.message?.text, "picture: the whole frame (f: the face)")
        _ = session.handle(.character("f"))
        XCTAssertEqual(session.picture?.crop, PictureCrop.face(stored))
        // The next item has no face stored: its file as it is, and f says why nothing changes.
        _ = session.handle(.character("s"))
        XCTAssertEqual(session.detail?.id, 2)
        XCTAssertEqual(session.picture, ReferencePicture(path: path))
        _ = session.handle(.character("f"))
        XCTAssertEqual(session.message?.text, "no face is stored for this reference: the picture is the whole frame")
        XCTAssertFalse(ReviewScreen.keysThatApply(session).contains("f "))
        XCTAssertTrue(ReviewScreen.help.contains { $0.0 == "f" })
    }
}
