import ArgumentParser
import FaceAnalysis
import FileAccess
import Foundation
import MediaIO

extension MediaCommand {
    struct Faces: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find the faces in an image or in video frames (MTCNN with facenet-pytorch's trained weights).",
            discussion: """
                Each face has a box [x1, y1, x2, y2] in pixels, the probability that it is a face, and five landmarks \
                (left eye, right eye, nose, left and right mouth corner), largest face first. A video is read at one \
                frame (--frame, default the first) or at every N-th frame (--every N). The weights come from \
                $TBD_FACE_WEIGHTS or the cache folder scripts/fetch-face-weights.py fills (make deps runs it).
                """)

        @Argument(help: "An image or a video.")
        var input: String
        @Option(name: .long, help: "The frame of a video to read: \(FrameChoice.forms).")
        var frame: FrameChoice?
        @Option(name: .long, help: "Read every N-th frame of a video (0, N, 2N, ...) instead of one.")
        var every: Int?
        @Option(name: .long, help: "Also write a PNG with the boxes and landmarks drawn (with --every: a contact sheet of the frames read, at most 24).")
        var out: String?
        @OptionGroup var output: JSONOption

        func validate() throws {
            if let every, every <= 0 { throw ValidationError("--every takes a positive number of frames") }
            if every != nil, frame != nil { throw ValidationError("--frame and --every exclude each other: one frame, or every N-th") }
            if let out, URL(fileURLWithPath: out).pathExtension.lowercased() != "png" {
                throw ValidationError("--out writes a PNG: give it a name ending in .png, not '\(out)'")
            }
        }

        func run() throws {
            let detector = try FaceDetector()
            if let every {
                var frames: [FramesResult.Frame] = []
                var drawn: [RGBImage] = []
                try FrameReader.forEachFrame(path: input, every: every) { index, seconds, image in
                    let faces = try detector.detect(image)
                    frames.append(FramesResult.Frame(index: index, time: seconds, faces: faces))
                    if out != nil, drawn.count < 24 { drawn.append(FaceOverlay.draw(faces, on: image)) }
                    if !output.json { print(Self.frameLine(index: index, seconds: seconds, faces: faces)) }
                    return true
                }
                if let out, !drawn.isEmpty {
                    try OutputFile.write(try ImageEncoding.png(try ContactSheet.make(frames: drawn, columns: 4, cellWidth: 256)), to: out)
                }
                if output.json {
                    try printJSON(FramesResult(input: input, every: every, frames: frames))
                } else {
                    let withFaces = frames.filter { !$0.faces.isEmpty }.count
                    print("\(frames.count) frame\(frames.count == 1 ? "" : "s") read, \(withFaces) with a face\(out.map { "; picture: \($0)" } ?? "")")
                }
                return
            }
            let choice = frame ?? .first
            let image = try FrameReader.readFrame(path: input, choice: choice)
            let faces = try detector.detect(image)
            if let out { try OutputFile.write(try ImageEncoding.png(FaceOverlay.draw(faces, on: image)), to: out) }
            if output.json {
                try printJSON(ImageResult(input: input, frame: frame?.description, width: image.width, height: image.height, faces: faces))
                return
            }
            print("\(input) (\(frame.map { "\($0) frame, " } ?? "")\(image.width)x\(image.height)): \(Self.count(faces))")
            for (number, face) in faces.enumerated() { print("  " + Self.describe(face, number: number + 1)) }
            if let out { print("picture: \(out)") }
        }

        static func count(_ faces: [DetectedFace]) -> String {
            faces.isEmpty ? "no face found" : "\(faces.count) face\(faces.count == 1 ? "" : "s")"
        }

        static func frameLine(index: Int, seconds: Double, faces: [DetectedFace]) -> String {
            let boxes = faces.map { "[\(Int($0.box.x1.rounded())), \(Int($0.box.y1.rounded())), \(Int($0.box.x2.rounded())), \(Int($0.box.y2.rounded()))]" }
            return "frame \(index) (\(String(format: "%.3f", seconds)) s): \(count(faces))\(boxes.isEmpty ? "" : " " + boxes.joined(separator: " "))"
        }

        static func describe(_ face: DetectedFace, number: Int) -> String {
            func point(_ p: FacePoint) -> String { "(\(Int(p.x.rounded())), \(Int(p.y.rounded())))" }
            let box = face.box
            return "face \(number): box (\(Int(box.x1.rounded())), \(Int(box.y1.rounded())))-(\(Int(box.x2.rounded())), \(Int(box.y2.rounded()))), "
                + "\(Int(box.width.rounded()))x\(Int(box.height.rounded())) px, probability \(String(format: "%.5f", face.probability)); "
                + "eyes \(point(face.leftEye)) \(point(face.rightEye)), nose \(point(face.nose)), mouth \(point(face.mouthLeft)) \(point(face.mouthRight))"
        }
    }

    struct ImageResult: Encodable {
        let input: String
        /// The frame asked for with --frame (null for the default, the first frame or the image).
        let frame: String?
        let width: Int
        let height: Int
        let faces: [DetectedFace]

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(input, forKey: .input)
            try container.encode(frame, forKey: .frame)
            try container.encode(width, forKey: .width)
            try container.encode(height, forKey: .height)
            try container.encode(faces, forKey: .faces)
        }

        private enum CodingKeys: String, CodingKey { case input, frame, width, height, faces }
    }

    struct FramesResult: Encodable {
        struct Frame: Encodable {
            let index: Int
            let time: Double
            let faces: [DetectedFace]
        }

        let input: String
        let every: Int
        let frames: [Frame]
    }
}
