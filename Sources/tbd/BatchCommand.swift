import AnnotationRecord
import SafeText
import ArgumentParser
import BatchAnnotation
import CoTFA
import FACSKnowledge
import Foundation
import MediaIO
import Renderer
import Store

struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Annotate a dataset: one annotation per (actor, emotion, level), every clip linked to it.",
        discussion: """
            Resumable: a killed run, started again, goes on without redoing finished units. Model replies are \
            cached by content in the review database, so a repeated request costs no call. See docs/batch.md.
            """,
        subcommands: [MEAD.self, HDTF.self, Manifest.self])

    struct MEAD: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mead", abstract: "Annotate a MEAD tree (ACTOR/video/VIEW/EMOTION/level_N/NNN.mp4).")
        @Argument(help: "The MEAD root folder.") var root: String
        @OptionGroup var options: BatchOptions

        func run() throws { try options.execute(scan: try MEADScanner().scan(root: root)) }
    }

    struct HDTF: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hdtf", abstract: "Annotate an HDTF folder of clips (all neutral, as in the paper).")
        @Argument(help: "The HDTF folder.") var root: String
        @OptionGroup var options: BatchOptions

        func run() throws { try options.execute(scan: try HDTFScanner().scan(root: root)) }
    }

    struct Manifest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "manifest",
            abstract: "Annotate the items of a CSV or JSON Lines manifest (path, emotion, level, optional subject, actor, view).")
        @Argument(help: "The manifest file (.csv, .jsonl).") var file: String
        @OptionGroup var options: BatchOptions

        func run() throws { try options.execute(scan: try ManifestReader().read(path: file)) }
    }
}

struct BatchOptions: ParsableArguments {
    @Option(name: .long, parsing: .upToNextOption, help: "Views to include (default: front).")
    var views: [String] = ["front"]
    @Option(name: .long, help: "Actors to include, comma separated (default: all).")
    var actors: String?
    @Option(name: .long, help: "Emotions to include, comma separated (default: all).")
    var emotions: String?
    @Option(name: .long, help: "Levels to include, comma separated (default: all).")
    var levels: String?
    @Option(name: .long, help: "Most clips linked per unit (default: all).")
    var clipLimit: Int?
    @Option(name: .long, help: "Units annotated at once.")
    var concurrency: Int = 4
    @Option(name: .long, parsing: .upToNextOption, help: "OpenAI-compatible API bases, least busy first (default: TBD_VLM_URL; none: offline).")
    var endpoint: [String] = []
    @Option(name: .long, help: "Model name (default: TBD_VLM_MODEL, else the first the server lists).")
    var model: String?
    @Option(name: .long, help: "cot (four stages), describe (one question) or label (no model).")
    var mode: String = "cot"
    @Flag(name: .long, help: "Describe frames in words instead of sending them, for text-only models.")
    var textOnly = false
    @Option(name: .long, help: "Most model calls per second per endpoint (default: no limit).")
    var rate: Double?
    @Option(name: .long, help: "Reference frame: first, middle, or a time in seconds.")
    var frame: String = "middle"
    @Option(name: .long, help: "Review database (default: TBD_DB, else data/tbd.sqlite).")
    var db: String?
    @Option(name: .long, help: "Where extracted frames are cached (default: frames/ beside the database).")
    var frameCache: String?
    @Option(name: .long, help: "Seconds per model call assumed by --dry-run's estimate.")
    var secondsPerCall: Double = 2
    @Option(name: .long, help: "Seconds between progress lines when stderr is not a terminal.")
    var progressInterval: Double = 10
    @Flag(name: .long, help: "Print the plan (clips, units, model calls against a naive run, time) and stop.")
    var dryRun = false
    @Flag(name: .long, help: "Run units that failed before again.")
    var retryFailed = false
    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard AnnotationMode(rawValue: mode) != nil else { throw ValidationError("--mode must be cot, describe or label") }
        _ = try frameChoice()
        _ = try selection()
    }

    func execute(scan: ScanResult) throws {
        guard let mode = AnnotationMode(rawValue: mode), case let batchMode = mode else {
            throw CLIError("--mode must be cot, describe or label")
        }
        let environment = ProcessInfo.processInfo.environment
        let databasePath = db ?? environment["TBD_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/tbd.sqlite"
        try FileManager.default.createDirectory(
            atPath: (databasePath as NSString).deletingLastPathComponent.isEmpty ? "." : (databasePath as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        let store = try ProjectStore(path: databasePath)
        let recorded = try store.batchUnits()
        let done = Set(recorded.filter { $0.value.status == .done }.map(\.key))
        let endpoints = endpoint.isEmpty ? [environment["TBD_VLM_URL"]].compactMap { $0 }.filter { !$0.isEmpty } : endpoint
        // With no model there are no calls to plan: the offline reasoner and label mode cost nothing.
        let plannedMode: AnnotationMode = endpoints.isEmpty ? .label : batchMode
        let plan = BatchPlan(scan: scan, selection: try selection(), mode: plannedMode, done: done)
        let report = PlanReport(plan: plan, scan: scan, concurrency: concurrency, secondsPerCall: secondsPerCall)

        if dryRun {
            if json { try printJSON(report) } else { print(report.text) }
            return
        }
        if !json { FileHandle.standardError.write(Data((report.text + "\n").utf8)) }

        let frames = try ReferenceFrameCache(
            directory: frameCache ?? ((databasePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("frames"))
        let counter = try CLIPPromptTokenCounter()
        var transports: [CachedTransport] = []
        var pipelines: [CoTFAPipeline] = []
        for base in endpoints {
            var configuration: VLMConfiguration
            do {
                guard let resolved = try VLMConfiguration.resolve(endpoint: base, model: model, environment: environment) else { continue }
                configuration = resolved
            } catch {
                throw CLIError("\(error)")
            }
            configuration.maxConcurrentRequests = concurrency
            let transport = CachedTransport(
                inner: CurlTransport(maxConcurrentRequests: concurrency), store: store, requestsPerSecond: rate)
            transports.append(transport)
            pipelines.append(try CoTFAPipeline(
                table: try loadTable(), backend: .remote(ChatClient(configuration: configuration, transport: transport)),
                budget: PromptBudget(counter: counter)))
        }
        if pipelines.isEmpty {
            pipelines = [try CoTFAPipeline(table: try loadTable(), backend: .offline, budget: PromptBudget(counter: counter))]
        }
        for pipeline in pipelines {
            do {
                try pipeline.connect()
            } catch {
                throw CLIError("endpoint check failed: \(error)")
            }
        }
        let choice = try frameChoice()
        let annotator = PipelineUnitAnnotator(
            pipelines: pipelines, mode: mode, textOnly: textOnly, units: plan.units, frames: frames, frameChoice: choice)
        let runner = BatchRunner(
            store: store, frames: frames, annotator: annotator, concurrency: concurrency, retryFailed: retryFailed,
            frameChoice: choice)
        let todo = try runner.pending(plan.units).todo.count
        let progress = BatchProgress(total: todo, interval: isatty(STDERR_FILENO) == 1 ? nil : progressInterval)
        let started = Date()
        let summary = try runner.run(plan.units, progress: progress)
        let calls = transports.reduce(CachedTransport.Counts()) {
            CachedTransport.Counts(calls: $0.calls + $1.statistics.calls, cacheHits: $0.cacheHits + $1.statistics.cacheHits)
        }
        let view = BatchRunView(
            database: databasePath, summary: summary, modelCalls: calls.calls, cacheHits: calls.cacheHits,
            seconds: Date().timeIntervalSince(started))
        if json {
            try printJSON(view)
        } else {
            print(view.text)
        }
        if summary.failed > 0 { throw ExitCode(1) }
    }

    func selection() throws -> BatchSelection {
        func list(_ text: String?) -> Set<String>? {
            text.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }) }
        }
        var levelSet: Set<Int>?
        if let names = list(levels) {
            levelSet = []
            for name in names {
                guard let level = EmotionLevel(parsing: name) else { throw ValidationError("--levels: '\(name)' is not 1, 2 or 3") }
                levelSet!.insert(level.rawValue)
            }
        }
        if let names = list(emotions) {
            for name in names where !MEADVocabulary.emotions.contains(name.lowercased()) {
                throw ValidationError("--emotions: unknown emotion '\(name)' (known: \(MEADVocabulary.emotions.joined(separator: ", ")))")
            }
        }
        let viewSet = Set(views.flatMap { $0.split(separator: ",").map(String.init) })
        return BatchSelection(
            actors: list(actors), emotions: list(emotions), levels: levelSet,
            views: viewSet.contains("all") ? nil : viewSet, clipLimitPerUnit: clipLimit)
    }

    func frameChoice() throws -> FrameChoice {
        switch frame {
        case "first": return .first
        case "middle": return .middle
        default:
            guard let seconds = Double(frame), seconds >= 0 else { throw ValidationError("--frame must be first, middle or a time in seconds") }
            return .time(seconds: seconds)
        }
    }
}

struct BatchRunView: Encodable {
    let database: String
    let summary: BatchRunner.Summary
    let modelCalls: Int
    let cacheHits: Int
    let seconds: Double

    var text: String {
        var lines = [
            "units: \(summary.units) (already done \(summary.alreadyDone), annotated now \(summary.annotated), failed \(summary.failed)"
                + (summary.previouslyFailedNotRetried > 0 ? ", \(summary.previouslyFailedNotRetried) failed before and not retried (--retry-failed)" : "") + ")",
            "clips linked: \(summary.clipsLinked); frames decoded \(summary.framesDecoded), from cache \(summary.framesFromCache)",
            "model calls: \(modelCalls), answered from the cache: \(cacheHits); \(String(format: "%.1f", seconds)) s",
        ]
        // Each error names its clip's path first.
        for error in summary.unreadableClips.sorted(by: { $0.key < $1.key }).map(\.value) {
            lines.append("unreadable clip, not linked: \(TerminalText.strip(error, keepNewlines: false))")
        }
        for (key, error) in summary.errors.sorted(by: { $0.key < $1.key }) {
            lines.append("failed \(key): \(TerminalText.strip(error, keepNewlines: false))")
        }
        lines.append("results are pending review in \(database) (tbd review)")
        return lines.joined(separator: "\n")
    }
}
