import AnnotationRecord
import Foundation
import Renderer
@testable import RenderingJobs
import Store
import TestSupport
import XCTest

final class RenderJobTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-render-job") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testSettingsOutsideTheirRangesAreRefusedByName() {
        var settings = RenderSettings(modelPath: "/m", outputFolder: "/o")
        XCTAssertNoThrow(try settings.validate())
        settings.split = 1
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("--split")) }
        settings.split = 0.4
        settings.size = 100
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("--size")) }
        settings.size = nil
        settings.guidanceScale = .nan
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("--cfg")) }
    }

    func testStorePairsNeedAStore() {
        XCTAssertThrowsError(try RenderJob(source: .approved, settings: RenderSettings(modelPath: "/m", outputFolder: "/o"), store: nil))
    }

    func testApprovedPairsComeFromTheStoreAtTheirCurrentRevision() throws {
        let (store, storeFolder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: storeFolder) }
        let ids = try store.addAnnotations([sampleAnnotation(0), sampleAnnotation(1, emotion: "sad"), sampleAnnotation(2)])
        try store.approve(id: ids[0], curator: "ann")
        try store.edit(id: ids[2], curator: "ann", fine: "edited fine prompt", approve: true)
        var settings = RenderSettings(modelPath: "/m", outputFolder: folder.path)
        let pairs = try RenderJob(source: .approved, settings: settings, store: store).pairs()
        XCTAssertEqual(pairs.map(\.annotationID), [ids[0], ids[2]])
        XCTAssertEqual(pairs.last?.revision, 2)
        XCTAssertEqual(pairs.last?.finePrompt, "edited fine prompt")
        settings.limit = 1
        XCTAssertEqual(try RenderJob(source: .approved, settings: settings, store: store).pairs().count, 1)
        XCTAssertThrowsError(try RenderJob(source: .annotation(99), settings: settings, store: store).pairs()) {
            XCTAssertTrue("\($0)".contains("99"))
        }
    }

    func testAutoReferenceOfAUnitFolderIsItsFirstMediaFile() throws {
        let unit = folder.appendingPathComponent("unit")
        try FileManager.default.createDirectory(at: unit, withIntermediateDirectories: true)
        for name in ["notes.txt", "002.mp4", "001.MP4"] { try Data().write(to: unit.appendingPathComponent(name)) }
        let pair = PromptPair(annotationID: 1, revision: 1, coarsePrompt: "c", finePrompt: "f", sourcePath: unit.path)
        XCTAssertEqual(try RenderJob.resolve("auto", for: pair, what: "reference"), unit.appendingPathComponent("001.MP4").path)
        XCTAssertNil(try RenderJob.resolve(nil, for: pair, what: "reference"))
        XCTAssertThrowsError(try RenderJob.resolve("/no/such/file.png", for: pair, what: "reference")) {
            XCTAssertTrue("\($0)".contains("/no/such/file.png"))
        }
    }
}
