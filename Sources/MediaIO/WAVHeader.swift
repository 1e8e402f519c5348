import Foundation

/// What a WAV file's RIFF header says about its length. A WAV written to a pipe (`ffmpeg ... -f wav -`) cannot
/// seek back to fill in its sizes, and leaves 0xFFFFFFFF (some writers 0) in the data chunk's size: its data
/// runs to the end of the file, which FFmpeg's demuxer reads as a last packet cut short.
enum WAVHeader {
    /// Chunks before the data chunk (fmt, fact, LIST, ...) fit well within this.
    static let prefixLength = 64 * 1024

    /// Whether the file is a RIFF WAVE whose data chunk declares no size.
    static func dataSizeUnknown(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let prefix = try? handle.read(upToCount: prefixLength) else { return false }
        let bytes = [UInt8](prefix)
        func word(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            return false
        }
        var offset = 12
        while offset + 8 <= bytes.count {
            let size = word(offset + 4)
            if bytes[offset..<(offset + 4)].elementsEqual("data".utf8) { return size == 0xFFFF_FFFF || size == 0 }
            // Chunks are padded to an even length.
            offset += 8 + Int(size) + Int(size & 1)
        }
        return false
    }
}
