import Foundation
@testable import ReviewQueue
import XCTest

final class KittyGraphicsTests: XCTestCase {
    func testOnlyTerminalsThatSaySoGetRealPictures() {
        XCTAssertTrue(KittyGraphics.isSupported(["KITTY_WINDOW_ID": "1", "TERM": "xterm-kitty"]))
        XCTAssertTrue(KittyGraphics.isSupported(["TERM_PROGRAM": "WezTerm", "TERM": "xterm-256color"]))
        XCTAssertFalse(KittyGraphics.isSupported(["TERM": "tmux-256color"]))
        XCTAssertFalse(KittyGraphics.isSupported([:]))
    }

    /// The protocol's rules: base64 in chunks of at most 4,096 bytes, the first carrying the keys, `m=1` on every
    /// chunk but the last; reassembled, the chunks are the PNG.
    func testTransmissionIsChunkedAndLossless() throws {
        let png = Data((0..<10_000).map { UInt8($0 % 251) })
        let escape = KittyGraphics.transmit(png: png)
        let chunks = escape.components(separatedBy: "\u{1B}\\").filter { !$0.isEmpty }
        XCTAssertEqual(chunks.count, 4, "13,336 base64 bytes in chunks of 4,096")
        XCTAssertTrue(chunks[0].hasPrefix("\u{1B}_Ga=t,f=100,t=d,i=1,q=2,m=1;"), chunks[0])
        XCTAssertTrue(chunks.last!.hasPrefix("\u{1B}_Gm=0,q=2;"), chunks.last!)
        var payload = ""
        for chunk in chunks {
            let body = chunk.split(separator: ";", maxSplits: 1)[1]
            XCTAssertLessThanOrEqual(body.utf8.count, 4096)
            payload += body
        }
        XCTAssertEqual(Data(base64Encoded: payload), png)
    }

    func testPlacementCoversThePicturesCellsAndKeepsTheCursor() {
        let place = KittyGraphics.place(row: 2, column: 77, columns: 84, rows: 42)
        XCTAssertTrue(place.hasPrefix("\u{1B}7\u{1B}[2;77H"), place)
        XCTAssertTrue(place.contains("a=p,i=1,p=1,c=84,r=42,C=1"), place)
        XCTAssertTrue(place.hasSuffix("\u{1B}8"))
    }
}
