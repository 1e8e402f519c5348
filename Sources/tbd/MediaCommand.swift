import ArgumentParser
import Foundation
import MediaIO

struct MediaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Inspect videos and images and extract reference frames through FFmpeg's libraries.",
        subcommands: [Frame.self, Probe.self])
}

extension MediaCommand {
    struct Frame: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract one frame of a video (or an image) as a JPEG or PNG.",
            discussion: "The output format follows the extension of --out: .jpg/.jpeg or .png.")

        @Option(name: .long, help: "A video or still image.")
        var input: String
        @Option(name: .long, help: "first, middle, a time in seconds (2.5) or a frame index (index:12).")
        var choice = "first"
        @Option(name: .long, help: "The image file to write (.jpg, .jpeg or .png).")
        var out: String
        @Option(name: .long, help: "Shrink (never enlarge) to at most this many pixels, keeping the aspect ratio.")
        var maxPixels: Int?
        @Option(name: .long, help: "JPEG quality, 1-100.")
        var quality = 90
        @OptionGroup var output: JSONOption

        func run() throws {
            let started = Date()
            let frameChoice = try Self.parseChoice(choice)
            let format = URL(fileURLWithPath: out).pathExtension.lowercased()
            guard ["jpg", "jpeg", "png"].contains(format) else {
                throw CLIError("--out must end in .jpg, .jpeg or .png, not '\(out)'")
            }
            do {
                let frame = try FrameReader.readFrame(path: input, choice: frameChoice)
                let image = try maxPixels.map { try frame.scaledToFit(maxPixels: $0) } ?? frame
                let data = format == "png" ? try ImageEncoding.png(image) : try ImageEncoding.jpeg(image, quality: quality)
                do {
                    try data.write(to: URL(fileURLWithPath: out), options: .atomic)
                } catch {
                    throw CLIError("cannot write \(out): \(error.localizedDescription)")
                }
                let result = FrameResult(
                    input: input, output: out, choice: frameChoice.description, sourceWidth: frame.width,
                    sourceHeight: frame.height, width: image.width, height: image.height, bytes: data.count,
                    elapsedSeconds: Date().timeIntervalSince(started))
                if output.json {
                    try printJSON(result)
                } else {
                    print("\(out): \(image.width)x\(image.height), \(data.count) bytes (\(frameChoice) of \(input))")
                }
            } catch let error as MediaError {
                throw CLIError(error.description)
            }
        }

        static func parseChoice(_ text: String) throws -> FrameChoice {
            switch text.lowercased() {
            case "first": return .first
            case "middle": return .middle
            default:
                if text.lowercased().hasPrefix("index:"), let index = Int(text.dropFirst("index:".count)), index >= 0 {
                    return .index(index)
                }
                if let seconds = Double(text), seconds.isFinite, seconds >= 0 { return .time(seconds: seconds) }
                throw CLIError("--choice must be first, middle, a time in seconds or index:N, not '\(text)'")
            }
        }
    }

    struct FrameResult: Encodable {
        let input: String
        let output: String
        let choice: String
        let sourceWidth: Int
        let sourceHeight: Int
        let width: Int
        let height: Int
        let bytes: Int
        let elapsedSeconds: Double
    }

    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a media file's size, length, rate and codecs.")

        @Argument(help: "A video or still image.")
        var path: String
        @Flag(name: .long, help: "Read every packet to count frames when the container does not list them.")
        var countFrames = false
        @OptionGroup var output: JSONOption

        func run() throws {
            let info: MediaInfo
            do {
                info = try MediaProbe.probe(path: path, countFrames: countFrames)
            } catch let error as MediaError {
                throw CLIError(error.description)
            }
            if output.json {
                try printJSON(info)
                return
            }
            print(path)
            print("  size:     \(info.width)x\(info.height)")
            print("  codec:    \(info.codecName) in \(info.formatName)")
            if info.isStillImage {
                print("  frames:   1 (still image)")
            } else {
                print("  frames:   \(info.frameCount) (\(info.frameCountSource.rawValue))")
                print("  duration: \(String(format: "%.3f", info.duration)) s at \(String(format: "%.3f", info.fps)) fps")
            }
            print("  audio:    \(info.audioCodecName ?? "none")")
        }
    }
}
