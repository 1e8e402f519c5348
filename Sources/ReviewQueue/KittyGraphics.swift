import Foundation

/// Real pictures in terminals that implement kitty's graphics protocol (kitty, WezTerm, Ghostty): the reference
/// frame is sent once per item as a PNG and placed over the picture's cells on every frame, at the terminal's own
/// resolution instead of two pixels per cell. Other terminals keep the half-block picture. (Sixel is not used.)
enum KittyGraphics {
    /// The image id the queue uses; sending a new image with it replaces the previous item's.
    static let imageID = 1

    /// Whether the terminal says it speaks the protocol.
    static func isSupported(_ environment: [String: String]) -> Bool {
        if let window = environment["KITTY_WINDOW_ID"], !window.isEmpty { return true }
        if environment["TERM"] == "xterm-kitty" || environment["TERM"] == "xterm-ghostty" { return true }
        return ["WezTerm", "ghostty"].contains(environment["TERM_PROGRAM"] ?? "")
    }

    /// Transmits `png` under `imageID` without showing it, in chunks of 4,096 base64 bytes as the protocol asks;
    /// `q=2` keeps the terminal from answering on the queue's input.
    static func transmit(png: Data, id: Int = imageID) -> String {
        let encoded = Array(png.base64EncodedString().utf8)
        var output = ""
        var offset = 0
        repeat {
            let end = min(encoded.count, offset + 4096)
            let chunk = String(decoding: encoded[offset..<end], as: UTF8.self)
            let more = end < encoded.count ? 1 : 0
            let keys = offset == 0 ? "a=t,f=100,t=d,i=\(id),q=2,m=\(more)" : "m=\(more),q=2"
            output += "\u{1B}_G\(keys);\(chunk)\u{1B}\\"
            offset = end
        } while offset < encoded.count
        return output
    }

    /// Shows the transmitted image scaled into `columns` x `rows` cells with its top-left cell at (row, column),
    /// both 1-based, leaving the cursor where it was.
    static func place(id: Int = imageID, row: Int, column: Int, columns: Int, rows: Int) -> String {
        "\u{1B}7\u{1B}[\(row);\(column)H\u{1B}_Ga=p,i=\(id),p=1,c=\(columns),r=\(rows),C=1,q=2\u{1B}\\\u{1B}8"
    }

    /// Removes every placement (the image data stays, for the next frame).
    static let clearPlacements = "\u{1B}_Ga=d,d=a,q=2\u{1B}\\"
}
