@testable import Evaluation
import FaceAnalysis
import Foundation
import MediaIO
import XCTest

/// The face crops against syncnet_python's own `crop_video` (run_pipeline.py) on a 20-frame track of given boxes
/// over several.png, its last frames reaching past the picture's corner (scripts/make-syncnet-fixtures.py).
final class SyncNetFaceTrackTests: XCTestCase {
    private static let picture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../FaceAnalysisTests/Fixtures/images/several.png")

    private func record() throws -> [String: Any] { try Fixture.json("syncnet/crops.json") }

    private func placements() throws -> [SyncNetFaceTrack.Placement] {
        let boxes = try XCTUnwrap(try record()["boxes"] as? [[Double]])
        return try SyncNetFaceTrack.placements(boxes.map { FaceBox(x1: $0[0], y1: $0[1], x2: $0[2], y2: $0[3]) }, clip: "track")
    }

    func testSmoothedCentresAndSizesMatchCropVideo() throws {
        let record = try record()
        let placements = try placements()
        let (x, y, s) = (record["x"] as! [Double], record["y"] as! [Double], record["s"] as! [Double])
        XCTAssertEqual(placements.count, 20)
        for (index, placement) in placements.enumerated() {
            XCTAssertEqual(placement.x, x[index], accuracy: 1e-9, "x \(index)")
            XCTAssertEqual(placement.y, y[index], accuracy: 1e-9, "y \(index)")
            XCTAssertEqual(placement.halfSize, s[index], accuracy: 1e-9, "s \(index)")
        }
    }

    /// The same bytes: the crop box, the padding and cv2.resize's fixed-point interpolation.
    func testCropsAreCropVideosToTheBit() throws {
        let frame = try FrameReader.readFrame(path: Self.picture.path)
        let placements = try placements()
        for index in try XCTUnwrap(try record()["kept"] as? [Int]) {
            let expected = try FrameReader.readFrame(path: Fixture.url(String(format: "syncnet/crop-%02d.png", index)).path)
            let crop = try SyncNetFaceTrack.crop(frame, at: placements[index])
            XCTAssertEqual(crop.width, 224)
            XCTAssertEqual(crop.height, 224)
            let differing = zip(crop.pixels, expected.pixels).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "crop \(index): \(differing) values differ")
        }
    }

    func testGapsAreInterpolatedAndAClipWithoutFacesIsRefused() throws {
        let a = FaceBox(x1: 0, y1: 0, x2: 10, y2: 20), b = FaceBox(x1: 20, y1: 10, x2: 30, y2: 40)
        let filled = try SyncNetFaceTrack.placements([nil, a, nil, nil, b, nil] + Array(repeating: b, count: 20), clip: "c")
        // Frames 0 and 2, 3 take a's box and the boxes between a and b; from frame 4 on the track is b, so frame
        // 10's 13-frame median is b's centre and half-size.
        XCTAssertEqual(filled.count, 26)
        XCTAssertEqual(filled[10], SyncNetFaceTrack.Placement(x: 25, y: 25, halfSize: 15))
        XCTAssertEqual(SyncNetFaceTrack.medianFiltered([5, 5, 5, 5, 5, 5, 5, 1]), [5, 5, 5, 5, 5, 5, 5, 1])
        XCTAssertEqual(SyncNetFaceTrack.medianFiltered([4, 4, 4]), [0, 0, 0])  // ten of each window's 13 values are padding
        XCTAssertThrowsError(try SyncNetFaceTrack.placements([nil, nil], clip: "empty.mp4")) { error in
            XCTAssertTrue("\(error)".contains("empty.mp4") && "\(error)".contains("no face"), "\(error)")
        }
    }
}
