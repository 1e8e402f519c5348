import Foundation
import TemporaryFolders
import XCTest
@_spi(Development) @testable import Renderer

final class PromptPairTests: XCTestCase {
    func testPromptPairsFromTheReviewExport() throws {
        let directory = try makeTemporaryFolder("tbd-pairs")
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("export.jsonl")
        let good = #"{"annotation_id": 3, "revision": 2, "coarse_prompt": "a face", "fine_prompt": "AU12", "emotion": "happy", "source_path": "/x.mp4", "aus": ["AU12"]}"#
        try (good + "\n" + good + "\n\n").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertEqual(try PromptPair.readJSONL(url),
                       [PromptPair(annotationID: 3, revision: 2, coarsePrompt: "a face", finePrompt: "AU12", emotion: "happy", sourcePath: "/x.mp4")])
        try (good + "\n{\"annotation_id\": 4}\n").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PromptPair.readJSONL(url)) { XCTAssertTrue("\($0)".contains("line 2"), "\($0)") }
    }
}
