import CLIPTokenization
import FileAccess
import Foundation
import Tensors

/// A talking-head checkpoint folder ("talking checkpoint", `_tbd_format` 1): `model_index.json` and the
/// components `reference_unet/`, `denoising_unet/`, `audio_proj/`, `audio_encoder/`, `vae/`, `text_encoder/`,
/// `tokenizer/`, `scheduler/`. Opening it checks that every folder exists, every config parses and validates and
/// every network has its weights file; each loader then checks the weights' names and shapes. Every error names
/// the component.
@_spi(Development) public struct TalkingHeadCheckpoint: Sendable {
    public static let pipelineClass = "TalkingHeadPipeline"
    public static let format = 1
    public static let components = ["reference_unet", "denoising_unet", "audio_proj", "audio_encoder", "vae", "text_encoder",
                                    "tokenizer", "scheduler"]

    public let directory: URL
    public let videoUNetConfiguration: VideoUNetConfiguration

    public init(directory: URL) throws {
        self.directory = directory
        let indexURL = directory.appendingPathComponent("model_index.json")
        guard let data = FileManager.default.contents(atPath: indexURL.path) else {
            throw TalkingCheckpointError(directory: directory, part: "model_index.json", reason: "missing")
        }
        guard let index = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TalkingCheckpointError(directory: directory, part: "model_index.json", reason: "not a JSON object")
        }
        guard index["_class_name"] as? String == Self.pipelineClass else {
            throw TalkingCheckpointError(directory: directory, part: "model_index.json",
                                         reason: "_class_name is \(index["_class_name"].map { "\($0)" } ?? "missing"), not \(Self.pipelineClass)")
        }
        if let format = index["_tbd_format"], format is String || (format as? Int) != Self.format {
            let found = (format as? String).map { "the string \"\($0)\"" } ?? "\(format)"
            throw TalkingCheckpointError(directory: directory, part: "model_index.json",
                                         reason: "_tbd_format must be the number \(Self.format), not \(found)")
        }
        // Every entry a [library, class] pair naming a folder inside the checkpoint, and every component listed.
        let listed: [String: DiffusersModelFolder.Component]
        do { listed = try DiffusersModelFolder(root: directory).components } catch ModelLoadingError.invalidConfiguration(let reason) {
            let reason = reason.hasPrefix(indexURL.path + ": ") ? String(reason.dropFirst(indexURL.path.count + 2)) : reason
            throw TalkingCheckpointError(directory: directory, part: "model_index.json", reason: reason)
        }
        if let absent = Self.components.first(where: { listed[$0] == nil }) {
            throw TalkingCheckpointError(directory: directory, part: "model_index.json",
                                         reason: "lists no \"\(absent)\" component (a talking checkpoint has \(Self.components.joined(separator: ", ")))")
        }
        if let unknown = listed.keys.sorted().first(where: { !Self.components.contains($0) }) {
            throw TalkingCheckpointError(directory: directory, part: "model_index.json",
                                         reason: "lists \"\(unknown)\", which is not a component of a talking checkpoint")
        }
        var isDirectory: ObjCBool = false
        for component in Self.components {
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(component).path, isDirectory: &isDirectory),
                  isDirectory.boolValue else {
                throw TalkingCheckpointError(directory: directory, part: component, reason: "missing component folder")
            }
        }
        var video = VideoUNetConfiguration()
        try Self.checking(directory, "reference_unet") { folder in
            _ = try UNetConfiguration.load(from: folder.appendingPathComponent("config.json"))
            _ = try DiffusersModelFolder.weightsFile(in: folder)
        }
        try Self.checking(directory, "denoising_unet") { folder in
            video = try VideoUNetConfiguration.load(from: folder.appendingPathComponent("config.json"))
            _ = try DiffusersModelFolder.weightsFile(in: folder)
        }
        try Self.checking(directory, "audio_proj") { folder in
            let url = folder.appendingPathComponent("config.json")
            guard let data = FileManager.default.contents(atPath: url.path) else { throw ModelLoadingError.missingFile(url.path) }
            guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                throw ModelLoadingError.invalidConfiguration("\(url.path) is not a JSON object")
            }
            _ = try DiffusersModelFolder.weightsFile(in: folder)
        }
        try Self.checking(directory, "audio_encoder") { folder in
            try Self.decode(Wav2Vec2Configuration.self, folder.appendingPathComponent("config.json")) { try $0.validate() }
            try Self.decode(Wav2Vec2Preprocessor.self, folder.appendingPathComponent("preprocessor_config.json")) { try $0.validate() }
            _ = try DiffusersModelFolder.weightsFile(in: folder)
        }
        try Self.checking(directory, "vae") { folder in
            _ = try AutoencoderKLConfiguration.load(from: folder.appendingPathComponent("config.json"))
            _ = try DiffusersModelFolder.weightsFile(in: folder)
        }
        try Self.checking(directory, "text_encoder") { folder in
            try Self.decode(CLIPTextConfiguration.self, folder.appendingPathComponent("config.json")) { try $0.validate() }
            _ = try DiffusersModelFolder.weightsFile(in: folder)
        }
        try Self.checking(directory, "tokenizer") { folder in
            // Both files, or neither (SD1.5's bundled vocabulary, which every SD1.5-family text encoder shares).
            let missing = ["vocab.json", "merges.txt"].filter { !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
            if missing.count == 1 { throw ModelLoadingError.missingFile(folder.appendingPathComponent(missing[0]).path) }
        }
        try Self.checking(directory, "scheduler") { folder in
            _ = try DDIMConfiguration.load(from: folder.appendingPathComponent("scheduler_config.json"))
        }
        videoUNetConfiguration = video
    }

    public func folder(_ component: String) -> URL { directory.appendingPathComponent(component, isDirectory: true) }

    public var schedulerConfigurationFile: URL { folder("scheduler").appendingPathComponent("scheduler_config.json") }

    public func referenceNet() throws -> ReferenceNet { try load("reference_unet") { try ReferenceNet(directory: $0) } }
    public func videoUNet(precision: WeightPrecision = .f32) throws -> VideoUNet {
        try load("denoising_unet") { try VideoUNet(directory: $0, precision: precision) }
    }
    public func audioProjection() throws -> AudioProjectionModel { try load("audio_proj") { try AudioProjectionModel(directory: $0) } }
    public func audioEncoder() throws -> Wav2Vec2Model { try load("audio_encoder") { try Wav2Vec2Model(directory: $0) } }
    public func vae() throws -> AutoencoderKL { try load("vae") { try AutoencoderKL(directory: $0) } }
    public func textEncoder() throws -> CLIPTextModel { try load("text_encoder") { try CLIPTextModel(directory: $0) } }

    /// The checkpoint's own tokenizer files when present, otherwise SD1.5's bundled ones (as for image checkpoints).
    public func tokenizer() throws -> CLIPTokenizer {
        try load("tokenizer") { _ in try DiffusersModelFolder(root: directory).tokenizer() }
    }

    /// The sampler `choice` names, from `scheduler/scheduler_config.json`.
    public func scheduler(for choice: SamplerChoice) throws -> any Scheduler {
        try load("scheduler") { _ in try choice.scheduler(configurationFile: schedulerConfigurationFile) }
    }

    /// Decodes a component's JSON file and checks it; a missing file or bad JSON is an error naming the file.
    private static func decode<Configuration: Decodable>(_ type: Configuration.Type, _ url: URL,
                                                         check: (Configuration) throws -> Void) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw ModelLoadingError.missingFile(url.path) }
        do { try check(LocatingJSONDecoder.decode(type, from: data)) } catch let error as ModelLoadingError { throw error } catch {
            throw ModelLoadingError.invalidConfiguration(FileErrorText.describe(error, path: url.path))
        }
    }

    private func load<T>(_ component: String, _ body: (URL) throws -> T) throws -> T {
        var result: T?
        try Self.checking(directory, component) { result = try body($0) }
        return result!
    }

    private static func checking(_ directory: URL, _ component: String, _ body: (URL) throws -> Void) throws {
        do {
            try body(directory.appendingPathComponent(component, isDirectory: true))
        } catch let error as TalkingCheckpointError {
            throw error
        } catch {
            throw TalkingCheckpointError(directory: directory, part: component, reason: "\(error)")
        }
    }
}
