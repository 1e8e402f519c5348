import Foundation
import MediaIO
import Tensors

/// MTCNN's three-stage cascade with facenet-pytorch's trained weights, computing what its
/// `MTCNN().detect(image, landmarks=True)` computes with the package's defaults.
///
/// P-Net scans an image pyramid for 12x12 face proposals; R-Net rescores and refines them on 24x24 crops; O-Net on
/// 48x48 crops gives the final score, box and five landmarks. Between stages: non-maximum suppression, box
/// regression, squaring and clamping to the image, as `facenet_pytorch/models/utils/detect_face.py` does. The crops
/// of a stage run as one batch.
public final class FaceDetector: @unchecked Sendable {
    public struct Settings: Equatable, Sendable {
        /// The smallest face side searched for, in pixels.
        public var minimumFaceSize: Int = 20
        /// The probability each stage (P-Net, R-Net, O-Net) requires.
        public var thresholds: (Float, Float, Float) = (0.6, 0.7, 0.7)
        /// The pyramid's step between scales.
        public var scaleFactor: Double = 0.709

        public init() {}

        public static func == (a: Settings, b: Settings) -> Bool {
            a.minimumFaceSize == b.minimumFaceSize && a.thresholds == b.thresholds && a.scaleFactor == b.scaleFactor
        }
    }

    /// The three weight files a weights folder holds.
    public static let weightFiles = ["pnet.safetensors", "rnet.safetensors", "onet.safetensors"]

    public let settings: Settings
    package let proposal: ProposalNetwork
    package let refinement: RefinementNetwork
    package let output: OutputNetwork

    /// Loads the three networks from FOLDER (default: `defaultWeightsFolder`).
    public init(weightsFolder folder: URL? = nil, settings: Settings = Settings()) throws {
        let folder = folder ?? Self.defaultWeightsFolder()
        self.settings = settings
        func reader(_ file: String) throws -> (SafeTensorsFile, WeightReader) {
            let url = folder.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw FaceDetectorError.missingWeights(folder: folder.path, file: file)
            }
            do {
                let weights = try SafeTensorsFile(contentsOf: url)
                return (weights, WeightReader(source: weights))
            } catch {
                throw FaceDetectorError.unreadableWeights(file: url.path, reason: "\(error)")
            }
        }
        func load<Network>(_ file: String, _ make: (WeightReader) throws -> Network) throws -> Network {
            let (weights, reader) = try reader(file)
            do {
                let network = try make(reader)
                try weights.requireEveryTensorRead()
                return network
            } catch {
                throw FaceDetectorError.unreadableWeights(file: folder.appendingPathComponent(file).path, reason: "\(error)")
            }
        }
        proposal = try load("pnet.safetensors", ProposalNetwork.init)
        refinement = try load("rnet.safetensors", RefinementNetwork.init)
        output = try load("onet.safetensors", OutputNetwork.init)
    }

    /// $TBD_FACE_WEIGHTS, else ${XDG_CACHE_HOME:-~/.cache}/tbd/mtcnn-facenet-pytorch-2.6.0: where
    /// `scripts/fetch-face-weights.py` puts the converted weights.
    public static func defaultWeightsFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let folder = environment["TBD_FACE_WEIGHTS"], !folder.isEmpty { return URL(fileURLWithPath: folder) }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return cache.appendingPathComponent("tbd/mtcnn-facenet-pytorch-2.6.0")
    }

    /// One detection at a time. Two threads detecting on one detector at once (the batch face check's two workers
    /// in `FaceCheckTests`) corrupted the heap now and then: 4 runs in 28 ended in glibc's heap checks, 2 in 60 with
    /// every OpenBLAS sgemm call serialized, none in 60 with detections serialized. The writer was not found
    /// (AddressSanitizer and ThreadSanitizer runs saw nothing). A detection already spreads its convolutions and
    /// products over every core, so the workers lose little waiting here.
    private let detecting = NSLock()

    /// The faces in IMAGE, largest box first.
    public func detect(_ image: RGBImage) throws -> [DetectedFace] {
        guard image.width >= 12, image.height >= 12 else {
            throw FaceDetectorError.imageTooSmall(width: image.width, height: image.height)
        }
        detecting.lock()
        defer { detecting.unlock() }
        let pixels = Self.planarPixels(image)
        var boxes = proposals(pixels, width: image.width, height: image.height)
        boxes = refined(boxes, pixels: pixels, width: image.width, height: image.height)
        let faces = finalFaces(boxes, pixels: pixels, width: image.width, height: image.height)
        // `select_largest`: numpy's argsort of the areas, reversed.
        let areas = faces.map { Float($0.box.x2 - $0.box.x1) * Float($0.box.y2 - $0.box.y1) }
        return faces.indices.sorted { areas[$0] > areas[$1] || (areas[$0] == areas[$1] && $0 > $1) }.map { faces[$0] }
    }

    /// The scales of the image pyramid, computed in double precision as `detect_face` computes them.
    package func pyramidScales(width: Int, height: Int) -> [Double] {
        let first = 12.0 / Double(settings.minimumFaceSize)
        var shortest = Double(min(width, height)) * first
        var scale = first
        var scales: [Double] = []
        while shortest >= 12 {
            scales.append(scale)
            scale *= settings.scaleFactor
            shortest *= settings.scaleFactor
        }
        return scales
    }

    /// The image as [1, 3, H, W] floats 0...255.
    package static func planarPixels(_ image: RGBImage) -> Tensor {
        let plane = image.width * image.height
        var values = [Float](repeating: 0, count: 3 * plane)
        image.pixels.withUnsafeBufferPointer { pixels in
            for index in 0..<plane {
                values[index] = Float(pixels[3 * index])
                values[plane + index] = Float(pixels[3 * index + 1])
                values[2 * plane + index] = Float(pixels[3 * index + 2])
            }
        }
        return Tensor(shape: [1, 3, image.height, image.width], scalars: values)
    }

    /// `(x - 127.5) * 0.0078125`, the networks' input scaling.
    package static func normalised(_ pixels: Tensor) -> Tensor {
        var result = pixels
        for index in 0..<result.count { result.scalars[index] = (result.scalars[index] - 127.5) * 0.0078125 }
        return result
    }

    /// Stage one: P-Net over the pyramid, suppression within each scale (0.5) and across scales (0.7), the
    /// regression applied and the boxes squared.
    private func proposals(_ pixels: Tensor, width: Int, height: Int) -> [CandidateBox] {
        var candidates: [CandidateBox] = []
        for scale in pyramidScales(width: width, height: height) {
            let input = Self.normalised(pixels.areaResized(height: Int(Double(height) * scale + 1), width: Int(Double(width) * scale + 1)))
            let (regression, probability) = proposal(input)
            let found = Self.proposalBoxes(regression: regression, probability: probability, scale: Float(scale), threshold: settings.thresholds.0)
            candidates += Suppression.intersectionOverUnion.keep(found, threshold: 0.5).map { found[$0] }
        }
        return Suppression.intersectionOverUnion.keep(candidates, threshold: 0.7)
            .map { candidates[$0].regressedExclusive().squared() }
    }

    /// The cells of P-Net's map at or above THRESHOLD, as boxes in image pixels (`generateBoundingBox`: stride 2,
    /// cell 12), in row-major order of the map.
    static func proposalBoxes(regression: Tensor, probability: Tensor, scale: Float, threshold: Float) -> [CandidateBox] {
        let (height, width) = (probability.shape[2], probability.shape[3])
        let plane = height * width
        var boxes: [CandidateBox] = []
        for y in 0..<height {
            for x in 0..<width {
                let score = probability.scalars[y * width + x]
                guard score >= threshold else { continue }
                let (bx, by) = (Float(x), Float(y))
                var box = CandidateBox(x1: ((2 * bx + 1) / scale).rounded(.down), y1: ((2 * by + 1) / scale).rounded(.down),
                                       x2: ((2 * bx + 12) / scale).rounded(.down), y2: ((2 * by + 12) / scale).rounded(.down),
                                       score: score)
                let cell = y * width + x
                box.regression = (regression.scalars[cell], regression.scalars[plane + cell],
                                  regression.scalars[2 * plane + cell], regression.scalars[3 * plane + cell])
                boxes.append(box)
            }
        }
        return boxes
    }

    /// The boxes' pixels, area-resampled to SIDE x SIDE and normalised, as one batch; boxes wholly outside the
    /// image are dropped (facenet-pytorch would misalign its batch there).
    private func crops(_ boxes: [CandidateBox], pixels: Tensor, width: Int, height: Int, side: Int) -> ([CandidateBox], Tensor) {
        var kept: [CandidateBox] = []
        var batch: [Float] = []
        for box in boxes {
            guard let region = box.pixelRegion(width: width, height: height) else { continue }
            kept.append(box)
            batch += pixels.croppedPlanes(rows: region.rows, columns: region.columns).areaResized(height: side, width: side).scalars
        }
        return (kept, Self.normalised(Tensor(shape: [kept.count, 3, side, side], scalars: batch)))
    }

    /// Stage two: R-Net's score above the threshold, suppression (0.7), its regression, squared.
    private func refined(_ boxes: [CandidateBox], pixels: Tensor, width: Int, height: Int) -> [CandidateBox] {
        guard !boxes.isEmpty else { return [] }
        let (kept, batch) = crops(boxes, pixels: pixels, width: width, height: height, side: 24)
        guard !kept.isEmpty else { return [] }
        let (regression, probability) = refinement(batch)
        var passed: [CandidateBox] = []
        for (index, var box) in kept.enumerated() where probability.scalars[index] > settings.thresholds.1 {
            box.score = probability.scalars[index]
            box.regression = (regression.scalars[4 * index], regression.scalars[4 * index + 1],
                              regression.scalars[4 * index + 2], regression.scalars[4 * index + 3])
            passed.append(box)
        }
        return Suppression.intersectionOverUnion.keep(passed, threshold: 0.7).map { passed[$0].regressedInclusive().squared() }
    }

    /// Stage three: O-Net's score above the threshold, the landmarks placed in the box, its regression, and
    /// suppression by the smaller area (0.7).
    private func finalFaces(_ boxes: [CandidateBox], pixels: Tensor, width: Int, height: Int) -> [DetectedFace] {
        guard !boxes.isEmpty else { return [] }
        let (kept, batch) = crops(boxes, pixels: pixels, width: width, height: height, side: 48)
        guard !kept.isEmpty else { return [] }
        let (regression, landmarks, probability) = output(batch)
        var passed: [(box: CandidateBox, points: [(Float, Float)])] = []
        for (index, var box) in kept.enumerated() where probability.scalars[index] > settings.thresholds.2 {
            box.score = probability.scalars[index]
            box.regression = (regression.scalars[4 * index], regression.scalars[4 * index + 1],
                              regression.scalars[4 * index + 2], regression.scalars[4 * index + 3])
            let (w, h) = (box.x2 - box.x1 + 1, box.y2 - box.y1 + 1)
            let points = (0..<5).map { k in
                (w * landmarks.scalars[10 * index + k] + box.x1 - 1, h * landmarks.scalars[10 * index + 5 + k] + box.y1 - 1)
            }
            passed.append((box.regressedInclusive(), points))
        }
        let keep = Suppression.intersectionOverMinimum.keep(passed.map(\.box), threshold: 0.7)
        return keep.map { index in
            let (box, points) = passed[index]
            return DetectedFace(box: FaceBox(x1: Double(box.x1), y1: Double(box.y1), x2: Double(box.x2), y2: Double(box.y2)),
                                probability: Double(box.score), landmarks: points.map { FacePoint(x: Double($0.0), y: Double($0.1)) })
        }
    }
}

extension Tensor {
    /// Rows and columns of [1, C, H, W], as [1, C, rows, columns].
    fileprivate func croppedPlanes(rows: Range<Int>, columns: Range<Int>) -> Tensor {
        let (channels, height, width) = (shape[1], shape[2], shape[3])
        var values: [Float] = []
        values.reserveCapacity(channels * rows.count * columns.count)
        for c in 0..<channels {
            for y in rows {
                let start = (c * height + y) * width
                values += scalars[(start + columns.lowerBound)..<(start + columns.upperBound)]
            }
        }
        return Tensor(shape: [1, channels, rows.count, columns.count], scalars: values)
    }
}
