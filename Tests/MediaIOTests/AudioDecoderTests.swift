import Foundation
import MediaIO
import XCTest

final class AudioDecoderTests: TemporaryFolderTestCase {
    /// The ffmpeg tool's `-ar 16000 -ac 1 -f f32le` output, committed beside each fixture.
    private func ffmpegReference(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name + ".16k.f32")))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Every supported container and codec gives the same samples as FFmpeg's own aresample conversion.
    func testResamplingMatchesTheFFmpegTool() throws {
        for name in ["chord.wav", "chord.m4a", "chord.mp3", "chord.flac"] {
            let audio = try AudioDecoder.decode(path: Fixtures.path(name))
            let reference = try ffmpegReference(name)
            XCTAssertEqual(audio.sampleRate, 16_000)
            XCTAssertEqual(audio.source.sampleRate, 44_100, name)
            XCTAssertEqual(audio.source.channels, 2, name)
            // The ffmpeg tool keeps AAC's end padding (4830 samples); the decoder stops at the M4A's declared 0.3 s.
            XCTAssertEqual(audio.samples.count, name == "chord.m4a" ? 4_800 : reference.count, "\(name): sample count")
            let worst = zip(audio.samples, reference).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(worst, 1e-6, "\(name): largest difference from ffmpeg -ar 16000 -ac 1")
            let peak = reference.map(abs).max() ?? 0
            XCTAssertGreaterThan(peak, 0.1, "\(name): the reference is not silence")
        }
    }

    func testLengthAndSourceDescription() throws {
        let audio = try AudioDecoder.decode(path: Fixtures.path("chord.wav"))
        XCTAssertEqual(audio.samples.count, 4_800, "0.3 s at 16 kHz")
        XCTAssertEqual(audio.duration, 0.3, accuracy: 1e-9)
        XCTAssertEqual(audio.source.codecName, "pcm_s16le")
        XCTAssertEqual(audio.source.duration, 0.3, accuracy: 1e-3)
    }

    /// A 16 kHz mono source passes through unchanged (s16 to float is exact).
    func testSixteenKilohertzMonoIsNotAltered() throws {
        let wav = path("ramp.wav")
        var samples = [Int16]()
        for index in 0..<1_600 { samples.append(Int16(truncatingIfNeeded: (index * 37) % 20_000 - 10_000)) }
        try Self.writeMonoWAV(samples, rate: 16_000, to: wav)
        let audio = try AudioDecoder.decode(path: wav)
        XCTAssertEqual(audio.samples, samples.map { Float($0) / 32_768 })
    }

    func testTheSoundtrackOfAVideo() throws {
        let audio = try AudioDecoder.decode(path: Fixtures.path("with-audio.mp4"))
        XCTAssertEqual(audio.source.codecName, "aac")
        XCTAssertEqual(Double(audio.samples.count), 16_000, accuracy: 1_100, "about one second at 16 kHz")
        XCTAssertGreaterThan(audio.samples.map(abs).max() ?? 0, 0.1, "the 440 Hz tone is there")
    }

    func testStreamingGivesTheSameSamplesAsReadingAll() throws {
        let decoder = try AudioDecoder(path: Fixtures.path("chord.m4a"))
        var streamed: [Float] = []
        var chunks = 0
        while let chunk = try decoder.nextSamples() {
            streamed += chunk
            chunks += 1
        }
        XCTAssertGreaterThan(chunks, 3, "delivered frame by frame")
        XCTAssertEqual(streamed, try AudioDecoder.decode(path: Fixtures.path("chord.m4a")).samples)
        XCTAssertNil(try decoder.nextSamples(), "stays at the end")
    }

    /// A Matroska file gives no per-stream duration, only the container's, which covers a longer video: audio that
    /// ends before the picture is not a truncated file. (Made with the ffmpeg tool, which make deps installs.)
    func testAudioShorterThanTheVideoIsNotTruncation() throws {
        let clip = path("short-audio.mkv")
        _ = try runFFmpegTool("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "color=c=gray:s=16x16:r=10:d=2",
                                           "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=1",
                                           "-c:v", "mpeg4", "-c:a", "flac", clip])
        XCTAssertEqual(try MediaProbe.probe(path: clip).duration, 2, accuracy: 0.05)
        let audio = try AudioDecoder.decode(path: clip)
        XCTAssertEqual(Double(audio.samples.count), 16_000, accuracy: 100)
    }

    func testOtherOutputRates() throws {
        let audio = try AudioDecoder.decode(path: Fixtures.path("chord.wav"), sampleRate: 8_000)
        XCTAssertEqual(audio.samples.count, 2_400)
    }

    func testBadInputsAreClearErrors() throws {
        let missing = assertMediaError(.fileNotFound) { try AudioDecoder.decode(path: path("nothing.wav")) }
        XCTAssertTrue(missing?.description.contains("nothing.wav") ?? false)
        assertMediaError(.emptyFile) { try AudioDecoder.decode(path: Fixtures.path("empty.mp4")) }
        assertMediaError(.notMedia) { try AudioDecoder.decode(path: Fixtures.path("not-video.mp4")) }
        let silent = assertMediaError(.noAudioStream) { try AudioDecoder.decode(path: Fixtures.path("colours-h264.mp4")) }
        XCTAssertTrue(silent?.description.hasPrefix(Fixtures.path("colours-h264.mp4")) ?? false)
        let cut = assertMediaError(.truncated) { try AudioDecoder.decode(path: Fixtures.path("truncated.m4a")) }
        XCTAssertTrue(cut?.description.contains("truncated") ?? false, cut?.description ?? "")
        assertMediaError(.invalidArgument) { try AudioDecoder.decode(path: Fixtures.path("chord.wav"), sampleRate: 0) }
        assertMediaError(.invalidArgument) { try AudioDecoder.decode(path: Fixtures.path("chord.wav"), sampleRate: 10_000_000) }
    }

    /// A WAV whose data chunk was cut (a partial copy) is reported, not decoded as shorter audio.
    func testTruncatedWAV() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("chord.wav")))
        // Cut mid-sample and on a sample boundary: both must be reported.
        for length in [whole.count / 3, 17_648] {
            let cut = path("cut-\(length).wav")
            try whole.prefix(length).write(to: URL(fileURLWithPath: cut))
            let error = assertMediaError(.truncated) { try AudioDecoder.decode(path: cut) }
            XCTAssertTrue(error?.description.hasPrefix(cut) ?? false)
        }
    }

    /// One NaN in a float WAV used to become NaN in every feature of the clip; it is refused with its time.
    func testANonFiniteSampleIsRefusedWithItsTime() throws {
        for (bad, rate, channels) in [(Float.nan, 16_000, 1), (Float.infinity, 44_100, 2)] {
            var samples = (0..<(rate * channels)).map { Float(sin(Double($0) * 0.05)) * 0.5 }
            samples[(rate / 2) * channels + channels - 1] = bad
            let file = path("bad-\(channels).wav")
            try Self.writeFloatWAV(samples, rate: rate, channels: channels, to: file)
            let error = assertMediaError(.nonFiniteSamples) { try AudioDecoder.decode(path: file) }
            XCTAssertTrue(error?.description.hasPrefix(file + ": ") ?? false, error?.description ?? "")
            XCTAssertTrue(error?.description.contains("at 0.500 s") ?? false, error?.description ?? "")
        }
        // The same file with the sample finite decodes.
        try Self.writeFloatWAV([Float](repeating: 0.25, count: 16_000), rate: 16_000, channels: 1, to: path("good.wav"))
        XCTAssertEqual(try AudioDecoder.decode(path: path("good.wav")).samples.count, 16_000)
    }

    /// `ffmpeg ... -f wav -` cannot seek back to fill in the sizes and leaves 0xFFFFFFFF in the RIFF and data
    /// size fields: such a file ends where its data ends, and decodes to the same samples as the sized file.
    func testAWAVWrittenToAPipeDecodesLikeTheSizedOne() throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("tone.wav")))
        let dataChunk = try XCTUnwrap(data.range(of: Data("data".utf8))).lowerBound
        for offset in [4, dataChunk + 4] { data.replaceSubrange(offset..<(offset + 4), with: [0xFF, 0xFF, 0xFF, 0xFF]) }
        let piped = path("piped.wav")
        try data.write(to: URL(fileURLWithPath: piped))
        let sized = try AudioDecoder.decode(path: Fixtures.path("tone.wav"))
        XCTAssertEqual(try AudioDecoder.decode(path: piped).samples, sized.samples)
        XCTAssertEqual(try AudioProbe.probe(path: piped).sampleRate, sized.source.sampleRate)
    }

    func testProbeDescribesTheAudioStream() throws {
        let wav = try AudioProbe.probe(path: Fixtures.path("chord.wav"))
        XCTAssertEqual(wav, AudioStreamInfo(codecName: "pcm_s16le", sampleRate: 44_100, channels: 2, duration: wav.duration))
        XCTAssertEqual(wav.duration, 0.3, accuracy: 1e-3)
        let video = try MediaProbe.probe(path: Fixtures.path("with-audio.mp4"))
        XCTAssertEqual(video.audio?.codecName, "aac")
        XCTAssertEqual(video.audio?.sampleRate, 16_000)
        XCTAssertEqual(video.audio?.channels, 1)
        XCTAssertNil(try MediaProbe.probe(path: Fixtures.path("colours-h264.mp4")).audio)
        assertMediaError(.noAudioStream) { try AudioProbe.probe(path: Fixtures.path("still.png")) }
    }

    static func writeMonoWAV(_ samples: [Int16], rate: Int, to path: String) throws {
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + samples.count * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16)); append(UInt16(1)); append(UInt16(1))
        append(UInt32(rate)); append(UInt32(rate * 2)); append(UInt16(2)); append(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(samples.count * 2))
        for sample in samples { append(sample) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// A WAV of IEEE float samples (format 3), interleaved.
    static func writeFloatWAV(_ samples: [Float], rate: Int, channels: Int, to path: String) throws {
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + samples.count * 4))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16)); append(UInt16(3)); append(UInt16(channels))
        append(UInt32(rate)); append(UInt32(rate * 4 * channels)); append(UInt16(4 * channels)); append(UInt16(32))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(samples.count * 4))
        for sample in samples { append(sample.bitPattern) }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
