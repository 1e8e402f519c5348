import CLIPTokenization
import Foundation
import Tensors

/// A diffusers pipeline folder: `model_index.json` names the components; each lives in a subfolder with its
/// own config (`config.json`, or `scheduler_config.json` for the scheduler) and weights.
@_spi(Development) public struct DiffusersModelFolder: Sendable {
    public struct Component: Equatable, Sendable {
        public let name: String
        /// The library and class that diffusers would instantiate, e.g. ("transformers", "CLIPTextModel").
        public let library: String
        public let className: String
        public let directory: URL
    }

    public let root: URL
    public let pipelineClass: String?
    public let components: [String: Component]

    public init(root: URL) throws {
        self.root = root
        let indexURL = root.appendingPathComponent("model_index.json")
        guard let data = FileManager.default.contents(atPath: indexURL.path) else {
            throw ModelLoadingError.missingFile(indexURL.path)
        }
        guard let index = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelLoadingError.invalidConfiguration("\(indexURL.path) is not a JSON object")
        }
        func refuse(_ reason: String) -> ModelLoadingError { .invalidConfiguration("\(indexURL.path): \(reason)") }
        pipelineClass = index["_class_name"] as? String
        var components: [String: Component] = [:]
        for (name, value) in index where !name.hasPrefix("_") {
            // Components are lists, ["library", "Class"], or [null, null] for an absent optional one; other values
            // are the pipeline's own settings (`requires_safety_checker: true`), unless the name is a component's.
            guard value is [Any] || Self.componentNames.contains(name) else { continue }
            // A component's name is its folder: anything else would read weights from outside the checkpoint.
            guard Self.isFolderName(name) else {
                throw refuse("component name \"\(name)\" is not a folder name inside the checkpoint")
            }
            guard let pair = value as? [Any], pair.count == 2 else {
                throw refuse("component \"\(name)\" must be a [library, class] pair, not \(Self.describe(value))")
            }
            if pair.allSatisfy({ $0 is NSNull }) { continue }
            guard let library = pair[0] as? String, let className = pair[1] as? String, !library.isEmpty, !className.isEmpty else {
                throw refuse("component \"\(name)\" must be a [library, class] pair of names, not \(Self.describe(value))")
            }
            components[name] = Component(name: name, library: library, className: className,
                                         directory: root.appendingPathComponent(name, isDirectory: true))
        }
        self.components = components
    }

    /// The components of the pipelines this package reads (Stable Diffusion's and the talking checkpoint's).
    static let componentNames = Set(["text_encoder", "tokenizer", "unet", "vae", "scheduler", "safety_checker", "feature_extractor",
                                     "image_encoder"] + TalkingHeadCheckpoint.components)

    /// One path component that stays inside the folder: no separator, not "." or "..".
    private static func isFolderName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    /// A JSON value as it was written, for error messages.
    private static func describe(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .fragmentsAllowed]),
              let text = String(data: data, encoding: .utf8) else { return "\(value)" }
        return String(text.dropFirst().dropLast().prefix(200))
    }

    public func component(_ name: String) throws -> Component {
        guard let component = components[name] else {
            throw ModelLoadingError.invalidConfiguration("\(root.path)/model_index.json lists no \"\(name)\" component")
        }
        return component
    }

    /// The component's configuration file as raw JSON.
    public func configurationData(of name: String) throws -> Data {
        let directory = try component(name).directory
        for file in ["config.json", "scheduler_config.json", "tokenizer_config.json"] {
            if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path) { return data }
        }
        throw ModelLoadingError.missingFile(directory.appendingPathComponent("config.json").path)
    }

    public func scheduler() throws -> DDIMScheduler {
        let url = try component("scheduler").directory.appendingPathComponent("scheduler_config.json")
        return try DDIMScheduler(configuration: DDIMConfiguration.load(from: url))
    }

    /// The scheduler `choice` names, built from the checkpoint's `scheduler/scheduler_config.json`.
    public func scheduler(for choice: SamplerChoice) throws -> any Scheduler {
        try choice.scheduler(configurationFile: component("scheduler").directory.appendingPathComponent("scheduler_config.json"))
    }

    public func textEncoder() throws -> CLIPTextModel {
        try CLIPTextModel(directory: component("text_encoder").directory)
    }

    /// The checkpoint's own tokenizer files when present, otherwise SD1.5's bundled merges.
    public func tokenizer() throws -> CLIPTokenizer {
        if let directory = components["tokenizer"]?.directory {
            let vocabulary = directory.appendingPathComponent("vocab.json")
            let merges = directory.appendingPathComponent("merges.txt")
            if FileManager.default.fileExists(atPath: vocabulary.path), FileManager.default.fileExists(atPath: merges.path) {
                return try CLIPTokenizer(vocabularyFile: vocabulary, mergesFile: merges)
            }
        }
        return try CLIPTokenizer.bundled()
    }

    /// The single-file safetensors weights of a component folder: transformers' `model.safetensors` or
    /// diffusers' `diffusion_pytorch_model.safetensors`, full precision preferred over an `.fp16` variant.
    public static func weightsFile(in directory: URL) throws -> URL {
        let candidates = ["model.safetensors", "diffusion_pytorch_model.safetensors",
                          "model.fp16.safetensors", "diffusion_pytorch_model.fp16.safetensors"]
        for name in candidates {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw ModelLoadingError.missingFile(directory.appendingPathComponent("model.safetensors").path + " (or a diffusers/fp16 variant)")
    }
}
