import AnnotationRecord
import SafeText
import ArgumentParser
import CoTFA
import FACSKnowledge
import Foundation
import MediaIO
import Renderer
import Store

struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Run the CoT-FA stages for a portrait and an emotion, and store the prompts for review.",
        discussion: """
            With no endpoint (--endpoint or TBD_VLM_URL) the built-in offline FACS-rules reasoner runs. With one, \
            the four stages go to its OpenAI-compatible chat API (vLLM serving Qwen2-VL, Ollama's /v1, llama.cpp); \
            the API key is read from TBD_VLM_API_KEY only. See docs/cotfa.md.
            """)

    @Option(name: .long, help: "The portrait (an image, or a video whose first frame is used).")
    var image: String
    @Option(name: .long, help: "angry, contempt, disgusted, fear, happy, neutral, sad or surprised.")
    var emotion: String
    @Option(name: .long, help: "MEAD level: 1 Mild, 2 Moderate, 3 Intense.")
    var level: EmotionLevel = .moderate
    @Option(name: .long, help: "A description of the person, e.g. \"a woman in her thirties with short dark hair\".")
    var subject: String?
    @Option(name: .long, help: "MEAD actor id such as M003 or W011 (default: taken from the path when it has one).")
    var actor: String?
    @Option(name: .long, help: "cot (four stages), describe (one direct question) or label (prompts from the label alone).")
    var mode: AnnotationMode = .cot
    @Option(name: .long, help: "OpenAI-compatible API base, e.g. http://localhost:8000/v1 (default: TBD_VLM_URL).")
    var endpoint: String?
    @Option(name: .long, help: "Model name (default: TBD_VLM_MODEL, else the first model the server lists).")
    var model: String?
    @Flag(name: .long, help: "Describe the image in words instead of sending it, for text-only models.")
    var textOnly = false
    @OptionGroup var store: StoreOptions
    @Option(name: .long, help: "auto, json_schema, json_object or none.")
    var responseFormat: ResponseFormatMode = .auto
    @Option(name: .long, help: "Pixel budget for the image sent to the model.")
    var maxPixels: Int = PortraitImage.defaultMaxPixels
    @Option(name: .long, help: "Sampling temperature.")
    var temperature: Double = 0
    @Option(name: .long, help: "Nucleus sampling threshold (default: the server's).")
    var topP: Double?
    @Option(name: .long, help: "Sampling seed, when the server supports one.")
    var seed: Int?
    @Option(name: .long, help: "Most tokens per reply.")
    var maxTokens: Int = 1024
    @Option(name: .long, help: "Seconds one request may take, retries not counted.")
    var timeout: Double = 180
    @Flag(name: .long, help: "Print the annotation as JSON (documented in docs/cotfa.md).")
    var json = false
    @Flag(name: .long, help: "Annotate even when the store already holds this image, emotion, level and mode.")
    var again = false

    func run() throws {
        // Refused before any model call rather than when the store sees it.
        do { try TextLimits.check(subject, field: "subject", limit: TextLimits.subject) } catch { throw CLIError("\(error)") }
        let table = try loadTable()
        let format = responseFormat
        guard table.emotion(emotion) != nil else {
            throw CLIError("unknown emotion '\(emotion)' (known: \(table.emotions.map(\.emotion).joined(separator: ", ")))")
        }
        // Range-checked here, before any conversion downstream can trap on it.
        guard (28 * 28...Self.maxPixelBudget).contains(maxPixels) else {
            throw CLIError("--max-pixels must be between 784 and \(Self.maxPixelBudget)")
        }
        let imageData: Data
        do {
            imageData = try Data(contentsOf: URL(fileURLWithPath: image))
        } catch {
            throw CLIError("cannot read --image \(image): \(error.localizedDescription)")
        }
        // Decoded before any model call: a file that is not a picture would otherwise be stored, reviewed and
        // fail only when it is rendered.
        do {
            _ = try FrameReader.readFrame(path: image, choice: .first)
        } catch {
            throw CLIError("--image \(image) is not an image or a video with a frame: \(error)")
        }

        let environment = ProcessInfo.processInfo.environment
        var configuration: VLMConfiguration?
        do {
            configuration = try VLMConfiguration.resolve(endpoint: endpoint, model: model, environment: environment)
        } catch {
            throw CLIError("\(error)")
        }
        configuration?.responseFormat = format
        configuration?.temperature = temperature
        configuration?.seed = seed
        configuration?.topP = topP
        configuration?.maxTokens = maxTokens
        configuration?.requestTimeout = timeout
        do {
            try configuration?.validate()
        } catch {
            throw CLIError("\(error)")
        }
        let counter: any PromptTokenCounter
        do {
            counter = try CLIPPromptTokenCounter()
        } catch {
            throw CLIError("the CLIP tokenizer for the prompt budget is unusable: \(error)")
        }
        let pipeline = try CoTFAPipeline(
            table: table, backend: configuration.map { .remote(ChatClient(configuration: $0)) } ?? .offline,
            budget: PromptBudget(counter: counter))

        var input = AnnotationInput(
            subject: AnnotationSubject(
                sourcePath: image, kind: .image, actorID: actor ?? Self.meadActorID(in: image),
                view: Self.meadView(in: image), contentHash: PortraitImage.contentHash(of: imageData), description: subject),
            emotion: emotion, level: level, mode: mode, textOnly: textOnly)
        if configuration != nil && !textOnly && mode != .label {
            do {
                input.image = try PortraitImage.load(path: image, maxPixels: maxPixels)
            } catch {
                throw CLIError("cannot use --image \(image): \(error)")
            }
        }

        let databasePath = store.path
        try checkNotAnnotatedBefore(input.subject, emotion: emotion, level: level, mode: mode, databasePath: databasePath, again: again)
        let annotation: Annotation
        do {
            annotation = try pipeline.annotate(input)
        } catch let failure as AnnotationFailure {
            let file = try keepFailure(failure, beside: databasePath)
            let id = try storeFailure(
                failure, input: input, emotionName: table.emotion(emotion)?.emotion ?? emotion, endpoint: pipeline.endpoint, backend: pipeline.backendName, file: file, databasePath: databasePath)
            try report(failure, keptAt: file, storedAs: id, databasePath: databasePath)
            throw ExitCode(1)
        } catch {
            throw CLIError("\(error)")
        }
        let id = try storeAnnotation(annotation, databasePath: databasePath)
        if json {
            try printJSON(AnnotateView(id: id, database: databasePath, annotation: annotation))
        } else {
            print(AnnotationText.render(annotation))
            print("stored as annotation \(id) in \(databasePath), pending review")
        }
    }

    /// A failed item is written whole (every stage that ran, raw replies included) beside the database, in
    /// `cotfa-failed/`, so nothing is lost and a batch can be retried from it.
    private func keepFailure(_ failure: AnnotationFailure, beside databasePath: String) throws -> String {
        let folder = URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("cotfa-failed")
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let name = ((image as NSString).lastPathComponent as NSString).deletingPathExtension
        let file = folder.appendingPathComponent("\(stamp)-\(name)-\(emotion).json")
        let encoder = ProjectJSON.encoder(pretty: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try encoder.encode(FailureView(failed: true, error: failure.description, image: image, emotion: emotion, level: level.rawValue, stages: failure.stages))
                .write(to: file, options: .atomic)
        } catch {
            throw CLIError("\(failure.description); and the failure record could not be written to \(file.path): \(error.localizedDescription)")
        }
        return file.path
    }

    /// The failed item goes into the store too, with its transcript, where curators and re-runs look for work;
    /// the file above stays the copy that survives a store that cannot be written.
    private func storeFailure(
        _ failure: AnnotationFailure, input: AnnotationInput, emotionName: String, endpoint: String?, backend: String, file: String, databasePath: String
    ) throws -> Int64 {
        let item = FailedAnnotation(
            subject: input.subject, emotion: emotionName, level: input.level, mode: input.mode, backend: backend,
            endpoint: endpoint, model: failure.model, stageIndex: failure.stageIndex, stageTitle: failure.stageTitle,
            error: failure.description, stages: failure.stages, recordPath: file)
        do {
            return try ProjectStore(path: databasePath).addFailedAnnotation(item)
        } catch {
            throw CLIError("\(failure.description); the failure record is in \(file) but could not be stored in \(databasePath): \(error)")
        }
    }

    /// Prints the failure: JSON on stdout with --json, else the error and each stage's replies, made safe, on stderr.
    private func report(_ failure: AnnotationFailure, keptAt path: String, storedAs id: Int64, databasePath: String) throws {
        if json {
            try printJSON(FailureView(
                failed: true, error: failure.description, image: image, emotion: emotion, level: level.rawValue, stages: failure.stages,
                record: path, failedID: id, database: databasePath))
            return
        }
        var lines = [
            "Error: \(TerminalText.strip(failure.description))", "failure record: \(path)",
            "stored as failed item \(id) in \(databasePath)",
        ]
        for stage in failure.stages {
            lines.append("--- stage \(stage.title)")
            if let reason = stage.rejectionReason { lines.append("first reply rejected: \(TerminalText.strip(reason))") }
            if let rejected = stage.rejectedReply { lines.append("first reply:\n\(Self.shown(rejected))") }
            lines.append("reply:\n\(Self.shown(stage.rawReply ?? "(none)"))")
        }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// The start of a reply, made safe: a reply may run to hundreds of kilobytes, which the failure record keeps.
    private static func shown(_ reply: String) -> String {
        TerminalText.strip(TerminalText.excerpt(reply, maxBytes: AnnotationFailure.shownReplyBytes))
    }

    /// 8192 x 8192: far above what any vision model takes, far below what the pixel arithmetic could overflow on.
    static let maxPixelBudget = 8192 * 8192

    /// MEAD stores clips as .../M003/video/front/happy/level_2/001.mp4: the actor is a path component.
    static func meadActorID(in path: String) -> String? {
        path.split(separator: "/").map(String.init).last { $0.range(of: #"^[MW]\d{3}$"#, options: .regularExpression) != nil }
    }

    static func meadView(in path: String) -> String? {
        let views = ["front", "down", "top", "left_30", "left_60", "right_30", "right_60"]
        return path.split(separator: "/").map(String.init).last { views.contains($0) }
    }
}

/// The JSON shape of `tbd annotate --json`.
struct AnnotateView: Encodable {
    let id: Int64
    let database: String
    let annotation: Annotation
}

struct FailureView: Encodable {
    let failed: Bool
    let error: String
    let image: String
    let emotion: String
    let level: Int
    let stages: [StageRecord]
    var record: String?
    /// The failed item's id in the store's `failed_annotation` table.
    var failedID: Int64?
    var database: String?
}
