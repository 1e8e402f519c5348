import ContentHashing
import Foundation
import XCTest

final class ContentHashingTests: XCTestCase {
    func testContentHashesAreTheStandardOnes() {
        XCTAssertEqual(SHA256Digest.hex(of: "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(FNV1a.hex64(Data("a".utf8)), "af63dc4c8601ec8c")
        var digest = SHA256Digest()
        digest.update("a")
        digest.update("bc")
        XCTAssertEqual(digest.finishHex(), SHA256Digest.hex(of: "abc"), "incremental updates hash the concatenation")
    }
}
