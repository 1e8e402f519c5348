import AnnotationRecord
import ArgumentParser
import BatchAnnotation
import DatasetLayout
import FACSKnowledge
import Foundation
import MediaIO
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
    var mode: AnnotationMode = .cot
    @Flag(name: .long, help: "Describe frames in words instead of sending them, for text-only models.")
    var textOnly = false
    @Option(name: .long, help: "Most model calls per second per endpoint (default: no limit).")
    var rate: Double?
    @Option(name: .long, help: "Reference frame: first, middle, or a time in seconds.")
    var frame: String = "middle"
    @OptionGroup var store: StoreOptions
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
        _ = try frameChoice()
        _ = try selection()
    }

    func execute(scan: ScanResult) throws {
        var settings = BatchJob.Settings()
        settings.selection = try selection()
        settings.mode = mode
        settings.concurrency = concurrency
        let environment = ProcessInfo.processInfo.environment
        settings.endpoints = endpoint.isEmpty ? [environment["TBD_VLM_URL"]].compactMap { $0 }.filter { !$0.isEmpty } : endpoint
        settings.model = model
        settings.textOnly = textOnly
        settings.requestsPerSecond = rate
        settings.frameChoice = try frameChoice()
        settings.frameCache = frameCache
        settings.secondsPerCall = secondsPerCall
        settings.retryFailed = retryFailed
        let store = try store.open()
        let job: BatchJob
        do { job = try BatchJob(scan: scan, settings: settings, store: store) } catch { throw CLIError("\(error)") }
        if dryRun {
            if json { try printJSON(job.report) } else { print(job.report.text) }
            return
        }
        if !json { FileHandle.standardError.write(Data((job.report.text + "\n").utf8)) }
        let result: BatchRunReport
        do {
            result = try job.run(progressInterval: isatty(STDERR_FILENO) == 1 ? nil : progressInterval, environment: environment)
        } catch {
            throw CLIError("\(error)")
        }
        if json { try printJSON(result) } else { print(result.text) }
        if result.summary.failed > 0 { throw ExitCode(1) }
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
            for name in names where !MEADPath.emotions.contains(name.lowercased()) {
                throw ValidationError("--emotions: unknown emotion '\(name)' (known: \(MEADPath.emotions.joined(separator: ", ")))")
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
