import AnnotationRecord
import ArgumentParser
import BatchAnnotation
import CoTFA
import FACSKnowledge
import Foundation
import SafeText
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
    @OptionGroup var vlmModel: VLMModelOption
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
    @OptionGroup var output: JSONOption
    @Flag(name: .long, help: "Annotate even when the store already holds this image, emotion, level and mode.")
    var again = false

    func run() throws {
        var settings = AnnotateJob.Settings(image: image, emotion: emotion)
        settings.level = level
        settings.subject = subject
        settings.actor = actor
        settings.mode = mode
        settings.endpoint = endpoint
        settings.model = vlmModel.name
        settings.textOnly = textOnly
        settings.responseFormat = responseFormat
        settings.maxPixels = maxPixels
        settings.temperature = temperature
        settings.topP = topP
        settings.seed = seed
        settings.maxTokens = maxTokens
        settings.timeout = timeout
        settings.again = again
        let job = try AnnotateJob(settings: settings, databasePath: store.path, environment: ProcessInfo.processInfo.environment)
        for warning in job.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        InterruptFlag.exitOnInterrupt(saying: "nothing was stored for this portrait; run the same command again")
        // A model can take many seconds a stage: one line per stage on stderr says it is working.
        switch try job.run(onStage: { FileHandle.standardError.write(Data("\($0.line)\n".utf8)) }) {
        case .annotated(let id, let annotation):
            if output.json {
                try printJSON(AnnotateView(id: id, database: StoreLocation.displayed(job.databasePath), annotation: annotation))
            } else {
                print(AnnotationText.render(annotation))
                print("stored as annotation \(id) in \(StoreLocation.displayed(job.databasePath)), pending review")
            }
        case .failed(let record):
            try Self.report(record, json: output.json, store: store)
            throw ExitCode(1)
        }
    }

    /// Prints a failure: JSON on stdout with --json, else the error and each stage's replies, made safe, on stderr,
    /// and the command that retries the item. `tbd review retry` reports its failures the same way.
    static func report(_ failure: AnnotationFailureRecord, json: Bool, store: StoreOptions) throws {
        if json {
            try printJSON(failure)
            return
        }
        var lines = [
            "Error: \(TerminalText.strip(failure.error))", "failure record: \(failure.record ?? "")",
            "stored as failed item \(failure.failedID.map(String.init) ?? "") in \(failure.database ?? "")"
                + (failure.failedID.map { "; retry it: " + ReviewCommandHint.command(["review", "retry", String($0)], store: store) } ?? ""),
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
}

/// The JSON shape of `tbd annotate --json`.
struct AnnotateView: Encodable {
    let id: Int64
    let database: String
    let annotation: Annotation
}
