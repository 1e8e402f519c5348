import Foundation

/// A 16-bit mono PCM WAV of a tone with a little vibrato, `seconds` long at 16 kHz: speech enough for the audio
/// encoder, written without any encoder of ours.
public func writeToneWAV(_ url: URL, seconds: Double) throws {
    let count = Int(seconds * 16_000)
    var data = Data()
    func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + 2 * count))
    data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16)); append(UInt16(1)); append(UInt16(1))
    append(UInt32(16_000)); append(UInt32(32_000)); append(UInt16(2)); append(UInt16(16))
    data.append(contentsOf: Array("data".utf8)); append(UInt32(2 * count))
    for index in 0..<count {
        let time = Double(index) / 16_000
        append(Int16(8_000 * sin(2 * .pi * (220 + 30 * sin(2 * .pi * 3 * time)) * time)))
    }
    try data.write(to: url)
}
