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
            cached by content in the review database, so a repeated request costs no call. Options that take \
            several values (--views, --actors, --emotions, --levels, --endpoint) take them comma-separated, \
            repeated, or both: --views front,top is --views front --views top. See docs/batch.md.
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
    @Option(name: .long, help: "Views to include, comma-separated or repeated, or all.")
    var views: [String] = ["front"]
    @Option(name: .long, help: "Actors to include (default: all).")
    var actors: [String] = []
    @Option(name: .long, help: "Emotions to include (default: all).")
    var emotions: [String] = []
    @Option(name: .long, help: "Levels to include, 1-3 or Mild/Moderate/Intense (default: all).")
    var levels: [String] = []
    @Option(name: .long, help: "Most clips linked per unit (default: all).")
    var clipLimit: Int?
    @Option(name: .long, help: "Units annotated at once.")
    var concurrency: Int = 4
    @Option(name: .long, help: "OpenAI-compatible API bases, least busy first (default: TBD_VLM_URL; none: offline).")
    var endpoint: [String] = []
    @OptionGroup var vlmModel: VLMModelOption
    @Option(name: .long, help: "cot (four stages), describe (one question) or label (no model).")
    var mode: AnnotationMode = .cot
    @Flag(name: .long, help: "Describe frames in words instead of sending them, for text-only models.")
    var textOnly = false
    @Option(name: .long, help: "Most model calls per second per endpoint (default: no limit).")
    var rate: Double?
    @Option(name: .long, help: "Reference frame: \(FrameChoice.forms).")
    var frame: FrameChoice = .middle
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
    @Flag(name: .long, help: "Link every readable clip without looking for one face in it (for synthetic data with no faces).")
    var noFaceCheck = false
    @OptionGroup var output: JSONOption

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        _ = try selection()
        _ = try ListOption.items(endpoint, option: "--endpoint")
    }

    func execute(scan: ScanResult) throws {
        var settings = BatchJob.Settings()
        settings.selection = try selection()
        settings.mode = mode
        settings.concurrency = concurrency
        let environment = ProcessInfo.processInfo.environment
        settings.endpoints = try ListOption.items(endpoint, option: "--endpoint")
            ?? [environment["TBD_VLM_URL"]].compactMap { $0 }.filter { !$0.isEmpty }
        settings.model = vlmModel.name
        settings.textOnly = textOnly
        settings.requestsPerSecond = rate
        settings.frameChoice = frame
        settings.frameCache = frameCache
        settings.secondsPerCall = secondsPerCall
        settings.retryFailed = retryFailed
        settings.faceCheck = !noFaceCheck
        if dryRun {
            // A dry run writes nothing: without a database yet, it plans against an empty one of its own.
            let exists = ProjectStore.isPostgres(store.path) || FileManager.default.fileExists(atPath: store.path)
            let scratch = exists ? nil : try FileManager.default.url(
                for: .itemReplacementDirectory, in: .userDomainMask, appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true)
            defer { scratch.map { try? FileManager.default.removeItem(at: $0) } }
            let planned = try scratch.map { try ProjectStore(path: $0.appendingPathComponent("plan.sqlite").path) } ?? store.openExisting()
            let job = try BatchJob(scan: scan, settings: settings, store: planned)
            if output.json { try printJSON(job.report) } else { print(job.report.text) }
            return
        }
        let store = try store.open()
        let job = try BatchJob(scan: scan, settings: settings, store: store)
        InterruptFlag.exitOnInterrupt(saying: "finished units are kept in the store; run the same command again to resume")
        if !output.json { FileHandle.standardError.write(Data((job.report.text + "\n").utf8)) }
        let result = try job.run(progressInterval: isatty(STDERR_FILENO) == 1 ? nil : progressInterval, environment: environment)
        if output.json { try printJSON(result) } else { print(result.text) }
        if result.summary.failed > 0 { throw ExitCode(1) }
    }

    func selection() throws -> BatchSelection {
        var levelSet: Set<Int>?
        if let names = try ListOption.items(levels, option: "--levels") {
            levelSet = []
            for name in names {
                guard let level = EmotionLevel(parsing: name) else { throw ValidationError("--levels: '\(name)' is not 1, 2 or 3") }
                levelSet!.insert(level.rawValue)
            }
        }
        let emotionList = try ListOption.items(emotions, option: "--emotions")
        for name in emotionList ?? [] where !MEADPath.emotions.contains(name.lowercased()) {
            throw ValidationError("--emotions: unknown emotion '\(name)' (known: \(MEADPath.emotions.joined(separator: ", ")))")
        }
        let viewList = try ListOption.items(views, option: "--views") ?? []
        return BatchSelection(
            actors: try ListOption.items(actors, option: "--actors").map(Set.init), emotions: emotionList.map(Set.init),
            levels: levelSet, views: viewList.contains("all") ? nil : Set(viewList), clipLimitPerUnit: clipLimit)
    }
}
