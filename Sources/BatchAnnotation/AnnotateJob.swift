import AnnotationRecord
import CoTFA
import DatasetLayout
import FACSKnowledge
import Foundation
import MediaIO
import SafeText
import Store

/// A whole `tbd annotate` run: checks the portrait and the settings before any model call, annotates it with the
/// four CoT-FA stages (or the offline reasoner), and stores the annotation as pending review. A failed item is
/// kept twice: whole in `cotfa-failed/` beside the database, and in the store with its transcript.
public struct AnnotateJob {
    public struct Settings: Sendable {
        /// The portrait: an image, or a video whose first frame is used.
        public var image: String
        /// A MEAD emotion name or a FACS noun.
        public var emotion: String
        public var level: EmotionLevel = .moderate
        /// A description of the person.
        public var subject: String?
        /// The MEAD actor id; nil: the one the image's path names, if any.
        public var actor: String?
        public var mode: AnnotationMode = .cot
        /// An OpenAI-compatible API base; nil: TBD_VLM_URL, else the offline reasoner.
        public var endpoint: String?
        /// The VLM's name; nil: TBD_VLM_MODEL, else the first model the server lists.
        public var model: String?
        public var textOnly = false
        public var responseFormat: ResponseFormatMode = .auto
        public var maxPixels = PortraitImage.defaultMaxPixels
        public var temperature: Double = 0
        public var topP: Double?
        public var seed: Int?
        public var maxTokens = 1024
        /// Seconds one request may take, retries not counted.
        public var timeout: Double = 180
        /// Annotate even when the store already holds this subject, emotion, level and mode.
        public var again = false
        /// The failed item this run annotates again (`tbd review retry`): the store marks it retried in the
        /// transaction that keeps the result, an annotation or a new failed item.
        public var retrying: Int64?

        public init(image: String, emotion: String) {
            self.image = image
            self.emotion = emotion
        }
    }

    public enum Outcome {
        case annotated(id: Int64, annotation: Annotation)
        /// Already written to `cotfa-failed/` and stored; every field of the record is set.
        case failed(AnnotationFailureRecord)
    }

    /// 8192 x 8192: far above what any vision model takes, far below what the pixel arithmetic could overflow on.
    public static let pixelBudgets = 28 * 28...8192 * 8192

    public let settings: Settings
    public let databasePath: String
    /// What the caller should tell the user before the run: an annotation repeated on purpose (`again`).
    public let warnings: [String]
    private let table: FACSTable
    private let pipeline: CoTFAPipeline
    private let input: AnnotationInput
    /// The store, when it already existed at the duplicate check; otherwise it is created when there is something
    /// to keep, so input refused before any model call leaves no database behind.
    private let existingStore: ProjectStore?

    /// Checks everything that can be checked before a model is asked: the subject's length, the emotion, the
    /// pixel budget, that the image decodes, the endpoint settings, and that the store does not already hold
    /// this annotation.
    public init(settings: Settings, databasePath: String, environment: [String: String]) throws {
        self.settings = settings
        self.databasePath = databasePath
        try TextLimits.check(settings.subject, field: "subject", limit: TextLimits.subject)
        table = try FACSTable.bundled()
        guard table.emotion(settings.emotion) != nil else {
            throw AnnotateJobError.unknownEmotion(settings.emotion, known: table.emotions.map(\.emotion))
        }
        // Range-checked here, before any conversion downstream can trap on it.
        guard Self.pixelBudgets.contains(settings.maxPixels) else { throw AnnotateJobError.pixelBudgetOutOfRange(Self.pixelBudgets) }
        let imageData: Data
        do {
            imageData = try Data(contentsOf: URL(fileURLWithPath: settings.image))
        } catch {
            throw AnnotateJobError.unreadableImage(path: settings.image, reason: error.localizedDescription)
        }
        // Decoded before any model call: a file that is not a picture would otherwise be stored, reviewed and
        // fail only when it is rendered.
        do {
            _ = try FrameReader.readFrame(path: settings.image, choice: .first)
        } catch {
            throw AnnotateJobError.notAPicture(path: settings.image, reason: "\(error)")
        }

        var configuration = try VLMConfiguration.resolve(endpoint: settings.endpoint, model: settings.model, environment: environment)
        configuration?.responseFormat = settings.responseFormat
        configuration?.temperature = settings.temperature
        configuration?.seed = settings.seed
        configuration?.topP = settings.topP
        configuration?.maxTokens = settings.maxTokens
        configuration?.requestTimeout = settings.timeout
        try configuration?.validate()
        let counter: any PromptTokenCounter
        do {
            counter = try CLIPPromptTokenCounter()
        } catch {
            throw AnnotateJobError.tokenizerUnusable(reason: "\(error)")
        }
        pipeline = try CoTFAPipeline(
            table: table, backend: configuration.map { .remote(ChatClient(configuration: $0)) } ?? .offline,
            budget: PromptBudget(counter: counter))

        var input = AnnotationInput(
            subject: AnnotationSubject(
                sourcePath: settings.image, kind: .image, actorID: settings.actor ?? MEADPath.actorID(in: settings.image),
                view: MEADPath.view(in: settings.image), contentHash: PortraitImage.contentHash(of: imageData),
                description: settings.subject),
            emotion: settings.emotion, level: settings.level, mode: settings.mode, textOnly: settings.textOnly)
        if configuration != nil && !settings.textOnly && settings.mode != .label {
            do {
                input.image = try PortraitImage.load(path: settings.image, maxPixels: settings.maxPixels)
            } catch {
                throw AnnotateJobError.unusableImage(path: settings.image, reason: "\(error)")
            }
        }
        self.input = input
        (existingStore, warnings) = try Self.checkNotAnnotatedBefore(input.subject, settings: settings, databasePath: databasePath)
    }

    /// Annotates the portrait and stores the result: the annotation, or the failed item with its record file.
    /// `onStage` hears of each stage a model answered.
    public func run(onStage: @escaping @Sendable (StageProgress) -> Void = { _ in }) throws -> Outcome {
        let annotation: Annotation
        do {
            annotation = try pipeline.annotate(input, onStage: onStage)
        } catch let failure as AnnotationFailure {
            return .failed(try keep(failure))
        }
        do {
            let store = try openStore()
            let id = try settings.retrying.map { try store.addAnnotation(annotation, retrying: $0) } ?? store.addAnnotation(annotation)
            return .annotated(id: id, annotation: annotation)
        } catch {
            throw AnnotateJobError.annotationNotStored(database: StoreLocation.displayed(databasePath), reason: "\(error)")
        }
    }

    private func openStore() throws -> ProjectStore {
        try existingStore ?? ProjectStore(path: databasePath)
    }

    /// Refuses a (subject, emotion, level, mode) the store already holds unless `again` is set: a second pending
    /// item for the same thing is usually a repeated command, and it would cost a curator a second review. With
    /// `again` it warns and goes on. A missing store holds nothing, and is not created here.
    private static func checkNotAnnotatedBefore(
        _ subject: AnnotationSubject, settings: Settings, databasePath: String
    ) throws -> (store: ProjectStore?, warnings: [String]) {
        let store: ProjectStore
        let existing: [Int64]
        do {
            store = try ProjectStore(path: databasePath, options: .init(createIfMissing: false))
            existing = try store.annotationIDs(sameAs: subject, emotion: settings.emotion, level: settings.level, mode: settings.mode)
        } catch StoreError.noDatabase {
            return (nil, [])
        } catch {
            throw AnnotateJobError.unreadableStore(path: databasePath, reason: "\(error)")
        }
        guard let first = existing.first else { return (store, []) }
        let ids = existing.map { "#\($0)" }.joined(separator: ", ")
        let summary = "\(TerminalText.sanitize(subject.sourcePath)) is already annotated as \(settings.emotion.lowercased()) "
            + "level \(settings.level.rawValue) (\(settings.mode.rawValue)): \(ids)"
        guard settings.again else { throw AnnotateJobError.alreadyAnnotated(summary: summary, first: first) }
        return (store, ["\(summary); adding another one (--again)"])
    }

    /// Writes the failed item whole (every stage that ran, raw replies included) to `cotfa-failed/` beside the
    /// database, so nothing is lost and it can be retried, then stores it where curators and re-runs look for
    /// work; the file stays the copy that survives a store that cannot be written.
    private func keep(_ failure: AnnotationFailure) throws -> AnnotationFailureRecord {
        var record = AnnotationFailureRecord(
            failed: true, error: failure.description, image: settings.image, emotion: settings.emotion,
            level: settings.level.rawValue, stages: failure.stages)
        let folder = StoreLocation.folder(of: databasePath).appendingPathComponent("cotfa-failed")
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let name = ((settings.image as NSString).lastPathComponent as NSString).deletingPathExtension
        let file = folder.appendingPathComponent("\(stamp)-\(name)-\(settings.emotion).json")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try ProjectJSON.encoder(pretty: true).encode(record).write(to: file, options: .atomic)
        } catch {
            throw AnnotateJobError.failureNotWritten(failure: failure.description, file: file.path, reason: error.localizedDescription)
        }
        let item = FailedAnnotation(
            subject: input.subject, emotion: table.emotion(settings.emotion)?.emotion ?? settings.emotion, level: input.level,
            mode: input.mode, backend: pipeline.backendName, endpoint: pipeline.endpoint, model: failure.model,
            stageIndex: failure.stageIndex, stageTitle: failure.stageTitle, error: failure.description, stages: failure.stages,
            recordPath: file.path, textOnly: settings.textOnly)
        do {
            record.failedID = try openStore().addFailedAnnotation(item, retrying: settings.retrying)
        } catch {
            throw AnnotateJobError.failureNotStored(failure: failure.description, file: file.path, database: databasePath, reason: "\(error)")
        }
        record.record = file.path
        record.database = databasePath
        return record
    }
}
