import ArgumentParser
import Foundation
import MediaIO
import FileAccess

struct MediaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Inspect videos and images, extract reference frames and find faces (FFmpeg's libraries, MTCNN).",
        subcommands: [Frame.self, Probe.self, Sheet.self, Faces.self])
}

extension MediaCommand {
    struct Frame: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract one frame of a video (or an image) as a JPEG or PNG.",
            discussion: "The output format follows the extension of --out: .jpg/.jpeg or .png.")

        @Option(name: .long, help: "A video or still image.")
        var input: String
        @Option(name: .long, help: "\(FrameChoice.forms).")
        var choice: FrameChoice = .first
        @Option(name: .long, help: "The image file to write (.jpg, .jpeg or .png).")
        var out: String
        @Option(name: .long, help: "Shrink (never enlarge) to at most this many pixels, keeping the aspect ratio.")
        var maxPixels: Int?
        @Option(name: .long, help: "JPEG quality, 1-100.")
        var quality = 90
        @Option(name: .long, help: "Reuse frames cached in this folder, keyed by file identity and request (JPEG only).")
        var cache: String?
        @OptionGroup var output: JSONOption

        func run() throws {
            let started = Date()
            let format = URL(fileURLWithPath: out).pathExtension.lowercased()
            guard ["jpg", "jpeg", "png"].contains(format) else {
                throw CLIError("--out must end in .jpg, .jpeg or .png, not '\(out)'")
            }
            let extracted = try extract(png: format == "png")
            try OutputFile.write(extracted.data, to: out)
            let result = FrameResult(
                input: input, output: out, choice: choice.description, sourceWidth: extracted.sourceWidth,
                sourceHeight: extracted.sourceHeight, width: extracted.width, height: extracted.height,
                bytes: extracted.data.count, fromCache: extracted.fromCache,
                elapsedSeconds: Date().timeIntervalSince(started))
            if output.json {
                try printJSON(result)
            } else {
                let origin = extracted.fromCache ? ", from the cache" : ""
                print("\(out): \(extracted.width)x\(extracted.height), \(extracted.data.count) bytes (\(choice) of \(input)\(origin))")
            }
        }

        private struct Extracted {
            let data: Data
            let width: Int
            let height: Int
            let sourceWidth: Int?
            let sourceHeight: Int?
            let fromCache: Bool
        }

        private func extract(png: Bool) throws -> Extracted {
            if let cache {
                guard !png else { throw CLIError("--cache stores JPEG frames; use a .jpg name for --out") }
                let frame = try ReferenceFrameCache(directory: cache)
                    .frame(path: input, choice: choice, maxPixels: maxPixels, quality: quality)
                return Extracted(
                    data: frame.jpeg, width: frame.width, height: frame.height, sourceWidth: nil, sourceHeight: nil,
                    fromCache: frame.fromCache)
            }
            let frame = try FrameReader.readFrame(path: input, choice: choice)
            let image = try maxPixels.map { try frame.scaledToFit(maxPixels: $0) } ?? frame
            let data = png ? try ImageEncoding.png(image) : try ImageEncoding.jpeg(image, quality: quality)
            return Extracted(
                data: data, width: image.width, height: image.height, sourceWidth: frame.width,
                sourceHeight: frame.height, fromCache: false)
        }
    }

    struct FrameResult: Encodable {
        let input: String
        let output: String
        let choice: String
        /// Unknown (null) when the frame came through the cache, which keeps only the extracted picture.
        let sourceWidth: Int?
        let sourceHeight: Int?
        let width: Int
        let height: Int
        let bytes: Int
        let fromCache: Bool
        let elapsedSeconds: Double

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(input, forKey: .input)
            try container.encode(output, forKey: .output)
            try container.encode(choice, forKey: .choice)
            try container.encode(sourceWidth, forKey: .sourceWidth)
            try container.encode(sourceHeight, forKey: .sourceHeight)
            try container.encode(width, forKey: .width)
            try container.encode(height, forKey: .height)
            try container.encode(bytes, forKey: .bytes)
            try container.encode(fromCache, forKey: .fromCache)
            try container.encode(elapsedSeconds, forKey: .elapsedSeconds)
        }

        private enum CodingKeys: String, CodingKey {
            case input, output, choice, sourceWidth, sourceHeight, width, height, bytes, fromCache, elapsedSeconds
        }
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
            } catch let error as MediaError where error.kind == .noVideoStream {
                try AudioOnlyProbe.report(path: path, json: output.json, videoError: error)
                return
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
            print("  audio:    \(info.audio.map(AudioOnlyProbe.summary) ?? "none")")
        }
    }

    struct Sheet: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a contact sheet: frames sampled evenly over a clip, in a grid, as PNG or JPEG.")

        @Option(name: .long, help: "A video (or image).")
        var input: String
        @Option(name: .long, help: "The image file to write (.png, .jpg or .jpeg).")
        var out: String
        @Option(name: .long, help: "How many frames to sample.")
        var frames = 12
        @Option(name: .long, help: "Frames per row.")
        var columns = 4
        @Option(name: .long, help: "Width of each cell in pixels.")
        var cellWidth = 160
        @OptionGroup var output: JSONOption

        func run() throws {
            let format = URL(fileURLWithPath: out).pathExtension.lowercased()
            guard ["jpg", "jpeg", "png"].contains(format) else {
                throw CLIError("--out must end in .png, .jpg or .jpeg, not '\(out)'")
            }
            let images = try FrameReader.sampleFrames(path: input, count: frames)
            let sampled = images.count
            let sheet = try ContactSheet.make(frames: images, columns: columns, cellWidth: cellWidth)
            try OutputFile.write(format == "png" ? try ImageEncoding.png(sheet) : try ImageEncoding.jpeg(sheet), to: out)
            if output.json {
                try printJSON(SheetResult(input: input, output: out, frames: sampled, width: sheet.width, height: sheet.height))
            } else {
                print("\(out): \(sampled) frames of \(input), \(sheet.width)x\(sheet.height)")
            }
        }
    }

    struct SheetResult: Encodable {
        let input: String
        let output: String
        let frames: Int
        let width: Int
        let height: Int
    }
}
