import Foundation
import MediaIO
@testable import ReviewQueue
import TestSupport
import XCTest

final class ReferenceFrameDecoderTests: XCTestCase {
    func testWideImageIsFittedAndCentredOnBlack() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("wide.png").path
        let red = RGBImage(width: 64, height: 32, filledWith: (red: 250, green: 10, blue: 10))
        try ImageEncoding.png(red).write(to: URL(fileURLWithPath: path))
        let pixels = try MediaIOFrameDecoder().decodeFrame(path: path, width: 16, height: 16)
        XCTAssertEqual(pixels.width, 16)
        XCTAssertEqual(pixels.height, 16)
        XCTAssertEqual(pixels.pixel(x: 8, y: 0).0, 0, "the band above the picture is black")
        XCTAssertGreaterThan(pixels.pixel(x: 8, y: 8).0, 200, "the middle is the red image")
        XCTAssertEqual(pixels.pixel(x: 8, y: 15).0, 0, "the band below the picture is black")
        XCTAssertTrue(PictureSource.isPicture(path: path))
        XCTAssertFalse(PictureSource.isPicture(path: "data/mead/M003/unit_happy_2"))
        XCTAssertThrowsError(try MediaIOFrameDecoder().decodeFrame(path: folder.appendingPathComponent("missing.png").path, width: 16, height: 16))
    }
}
