import ArgumentParser
import FaceAnalysis
import Foundation
import MediaIO

/// `tbd model bench-faces`: times the face detector in-process, for scripts/bench/45-faces.sh to set beside
/// facenet-pytorch's MTCNN.
extension ModelCommand {
    struct BenchFaces: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-faces",
            abstract: "Time the face detector (MTCNN) on one image: the median of --repeats runs after a warm-up.",
            discussion: "Weights load once, the image decodes once; each run is the whole cascade. Threads: run under taskset to pin cores.")

        @Option(name: .long, help: "The image.")
        var image: String
        @Option(name: .long, help: "Timed runs (median reported).")
        var repeats = 5
        @OptionGroup var output: JSONOption

        func run() throws {
            guard (1...100).contains(repeats) else { throw CLIError("--repeats must be 1-100") }
            let detector = try FaceDetector()
            let picture = try FrameReader.readFrame(path: image)
            var faces = try detector.detect(picture)
            var times: [Double] = []
            for _ in 0..<repeats {
                let start = Date()
                faces = try detector.detect(picture)
                times.append(Date().timeIntervalSince(start))
            }
            let view = BenchFacesView(image: image, width: picture.width, height: picture.height, faces: faces.count,
                                      seconds: times.sorted()[times.count / 2], peakResidentBytes: PeakMemory.peakResidentBytes())
            if output.json {
                try printJSON(view)
            } else {
                print("\(image) (\(picture.width)x\(picture.height)): \(faces.count) face(s) in \(String(format: "%.3f", view.seconds)) s (median of \(repeats)); peak memory \(view.peakResidentBytes / 1_000_000) MB")
            }
        }
    }
}

struct BenchFacesView: Encodable {
    let image: String
    let width: Int
    let height: Int
    let faces: Int
    let seconds: Double
    let peakResidentBytes: Int
}
