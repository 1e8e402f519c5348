import Foundation
import MediaIO
import XCTest

final class ImageTests: TemporaryFolderTestCase {
    /// Four flat quadrants, so codec error stays small and position mistakes show.
    private func quadrants(width: Int, height: Int) -> RGBImage {
        let colours: [[UInt8]] = [[220, 40, 40], [40, 180, 60], [30, 60, 200], [240, 230, 90]]
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                pixels += colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    private func assertQuadrants(_ image: RGBImage, tolerance: Double, file: StaticString = #filePath, line: UInt = #line) {
        let w = image.width, h = image.height
        let insetX = max(1, w / 8), insetY = max(1, h / 8)
        let regionW = w / 2 - 2 * insetX, regionH = h / 2 - 2 * insetY
        assertColour(image.meanColor(x: insetX, y: insetY, width: regionW, height: regionH), (220, 40, 40),
                     tolerance: tolerance, file: file, line: line)
        assertColour(image.meanColor(x: w / 2 + insetX, y: insetY, width: regionW, height: regionH), (40, 180, 60),
                     tolerance: tolerance, file: file, line: line)
        assertColour(image.meanColor(x: insetX, y: h / 2 + insetY, width: regionW, height: regionH), (30, 60, 200),
                     tolerance: tolerance, file: file, line: line)
        assertColour(image.meanColor(x: w / 2 + insetX, y: h / 2 + insetY, width: regionW, height: regionH),
                     (240, 230, 90), tolerance: tolerance, file: file, line: line)
    }

    func testJPEGRoundTripThroughFrameReader() throws {
        for (width, height) in [(64, 48), (33, 21)] {
            let image = quadrants(width: width, height: height)
            let data = try ImageEncoding.jpeg(image, quality: 90)
            XCTAssertEqual(Array(data.prefix(2)), [0xFF, 0xD8], "JPEG start-of-image marker")
            let file = path("round-trip-\(width).jpg")
            try data.write(to: URL(fileURLWithPath: file))
            let decoded = try FrameReader.readFrame(path: file)
            XCTAssertEqual(decoded.width, width)
            XCTAssertEqual(decoded.height, height)
            assertQuadrants(decoded, tolerance: codecTolerance)
            let external = try ffmpegFirstFrame(file, width: width, height: height)
            assertQuadrants(external, tolerance: codecTolerance)
        }
    }

    func testJPEGQualityChangesSizeAndIsChecked() throws {
        var image = quadrants(width: 96, height: 64)
        for index in stride(from: 0, to: image.pixels.count, by: 7) { image.pixels[index] &+= UInt8(index % 13) }
        XCTAssertLessThan(try ImageEncoding.jpeg(image, quality: 20).count, try ImageEncoding.jpeg(image, quality: 95).count)
        assertMediaError(.invalidArgument) { try ImageEncoding.jpeg(image, quality: 0) }
        assertMediaError(.invalidArgument) { try ImageEncoding.jpeg(image, quality: 101) }
    }

    func testPNGRoundTripIsExact() throws {
        var pixels: [UInt8] = []
        for y in 0..<27 { for x in 0..<31 { pixels += [UInt8(x * 8), UInt8(y * 9), UInt8((x * y) % 256)] } }
        let image = RGBImage(width: 31, height: 27, pixels: pixels)
        let data = try ImageEncoding.png(image)
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        let file = path("round-trip.png")
        try data.write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(try FrameReader.readFrame(path: file), image)
    }

    func testEncodingAnEmptyOrInconsistentImageIsAnError() throws {
        let empty = RGBImage(width: 0, height: 0, pixels: [])
        assertMediaError(.invalidArgument) { try ImageEncoding.png(empty) }
        assertMediaError(.invalidArgument) { try ImageEncoding.jpeg(empty) }
        var shortened = RGBImage(width: 8, height: 8, filledWith: (1, 2, 3))
        shortened.pixels.removeLast(3)
        assertMediaError(.invalidArgument) { try ImageEncoding.png(shortened) }
        assertMediaError(.invalidArgument) { try shortened.scaled(width: 4, height: 4) }
        assertMediaError(.invalidArgument) { try ContactSheet.make(frames: [shortened], columns: 1, cellWidth: 4) }
        let writer = try VideoWriter(path: path("short.mp4"), width: 8, height: 8)
        assertMediaError(.invalidArgument) { try writer.append(shortened) }
        writer.cancel()
    }

    func testScaledKeepsColoursInPlace() throws {
        let image = quadrants(width: 64, height: 48)
        let smaller = try image.scaled(width: 32, height: 24)
        XCTAssertEqual(smaller.width, 32)
        XCTAssertEqual(smaller.height, 24)
        assertQuadrants(smaller, tolerance: 2)
        let larger = try image.scaled(width: 100, height: 90)
        XCTAssertEqual(larger.pixels.count, 100 * 90 * 3)
        assertQuadrants(larger, tolerance: 2)
        XCTAssertEqual(try image.scaled(width: 64, height: 48), image)
        assertMediaError(.invalidArgument) { try image.scaled(width: 0, height: 10) }
    }

    func testScaledToFitKeepsAspectAndNeverEnlarges() throws {
        let image = quadrants(width: 640, height: 480)
        XCTAssertEqual(try image.scaledToFit(maxPixels: 640 * 480), image)
        XCTAssertEqual(try image.scaledToFit(maxPixels: 10_000_000), image)
        for budget in [448 * 448, 1000, 37, 1] {
            let fitted = try image.scaledToFit(maxPixels: budget)
            XCTAssertLessThanOrEqual(fitted.width * fitted.height, budget)
            XCTAssertGreaterThan(fitted.width * fitted.height, budget / 2, "uses most of the budget")
            if budget >= 1000 {
                XCTAssertEqual(Double(fitted.width) / Double(fitted.height), 4.0 / 3.0, accuracy: 0.05)
            }
        }
        let thin = RGBImage(width: 1000, height: 2, filledWith: (1, 2, 3))
        let fittedThin = try thin.scaledToFit(maxPixels: 100)
        XCTAssertLessThanOrEqual(fittedThin.width * fittedThin.height, 100)
        XCTAssertGreaterThanOrEqual(fittedThin.height, 1)
        assertMediaError(.invalidArgument) { try image.scaledToFit(maxPixels: 0) }
    }

    func testContactSheetLaysOutCellsInAGrid() throws {
        let frames = try FrameReader.readAllFrames(path: Fixtures.path("colours-mpeg4.mp4")).prefix(5)
        let sheet = try ContactSheet.make(frames: Array(frames), columns: 3, cellWidth: 20)
        // 64x48 cells become 20x15; 3 columns and 2 rows with 4-pixel gaps.
        XCTAssertEqual(sheet.width, 3 * 20 + 4 * 4)
        XCTAssertEqual(sheet.height, 2 * 15 + 3 * 4)
        for index in 0..<5 {
            let left = 4 + (index % 3) * 24, top = 4 + (index / 3) * 19
            assertColour(sheet.meanColor(x: left + 2, y: top + 2, width: 16, height: 11), Fixtures.clipColours[index],
                         "cell \(index)")
        }
        // The sixth cell is empty and shows the background.
        let empty = sheet.pixel(x: 4 + 2 * 24 + 10, y: 4 + 19 + 7)
        XCTAssertTrue(empty == (24, 24, 24))
        assertMediaError(.invalidArgument) { try ContactSheet.make(frames: [], columns: 3, cellWidth: 20) }
        assertMediaError(.invalidArgument) { try ContactSheet.make(frames: Array(frames), columns: 0, cellWidth: 20) }
    }
}
