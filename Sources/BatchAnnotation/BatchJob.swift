import AnnotationRecord
import CoTFA
import FACSKnowledge
import FaceAnalysis
import Foundation
import MediaIO
import Store

/// A whole `tbd batch` run: plans the units of a scanned dataset against what the store already holds, then
/// annotates them with one pipeline per endpoint (or the offline reasoner) and links every clip.
public struct BatchJob {
    public struct Settings: Sendable {
        public var selection = BatchSelection()
        public var mode: AnnotationMode = .cot
        public var concurrency = 4
        /// OpenAI-compatible API bases, least busy first; empty: the offline reasoner.
        public var endpoints: [String] = []
        public var model: String?
        public var textOnly = false
        /// Most model calls per second per endpoint.
        public var requestsPerSecond: Double?
        public var frameChoice: FrameChoice = .middle
        /// Where extracted frames are cached; nil: `frames/` beside the database.
        public var frameCache: String?
        /// Seconds per model call assumed by the plan's time estimate.
        public var secondsPerCall: Double = 2
        public var retryFailed = false
        /// Use only clips that show one face, and keep the reference's face (docs/batch.md); off for synthetic
        /// data with no face in it (`--no-face-check`).
        public var faceCheck = true
        /// Where the face detector's weights are; nil: `FaceDetector.defaultWeightsFolder()`.
        public var faceWeights: URL?

        public init() {}
    }

    public let scan: ScanResult
    public let settings: Settings
    public let store: ProjectStore
    public let plan: BatchPlan
    public let report: PlanReport

    /// Plans the run: which units are still to do, and the model calls they need.
    public init(scan: ScanResult, settings: Settings, store: ProjectStore) throws {
        guard settings.concurrency >= 1 else { throw BatchError.invalidSettings("concurrency must be at least 1") }
        self.scan = scan
        self.settings = settings
        self.store = store
        let done = Set(try store.batchUnits().filter { $0.value.status == .done }.map(\.key))
        // The plan reports the mode the run stores; with no model (the offline reasoner) it plans no call.
        plan = BatchPlan(scan: scan, selection: settings.selection, mode: settings.mode, asksModel: !settings.endpoints.isEmpty, done: done)
        // An empty plan is a mistake (a folder that is not the dataset, a misspelt filter), not a finished run.
        guard !scan.clips.isEmpty else { throw BatchError.noClips(skipped: scan.skipped.count) }
        guard plan.clipsSelected > 0 else { throw BatchError.noClipSelected(found: scan.clips.count) }
        report = PlanReport(plan: plan, scan: scan, concurrency: settings.concurrency, secondsPerCall: settings.secondsPerCall)
    }

    /// Annotates the planned units; `environment` supplies TBD_VLM_MODEL and TBD_VLM_API_KEY for the endpoints.
    public func run(progressInterval: TimeInterval?, environment: [String: String]) throws -> BatchRunReport {
        // First, so a run that cannot check faces stops before it decodes or asks anything.
        let faceCheck = try settings.faceCheck ? Self.loadFaceCheck(weights: settings.faceWeights) : nil
        let frameFolder = settings.frameCache
            ?? StoreLocation.folder(of: store.path).appendingPathComponent("frames").path
        let frames = try ReferenceFrameCache(directory: frameFolder)
        let counter = try CLIPPromptTokenCounter()
        let table = try FACSTable.bundled()
        var transports: [CachedTransport] = []
        var pipelines: [CoTFAPipeline] = []
        for base in settings.endpoints {
            guard var configuration = try VLMConfiguration.resolve(endpoint: base, model: settings.model, environment: environment) else {
                continue
            }
            configuration.maxConcurrentRequests = settings.concurrency
            let transport = CachedTransport(
                inner: CurlTransport(maxConcurrentRequests: settings.concurrency), store: store,
                requestsPerSecond: settings.requestsPerSecond)
            transports.append(transport)
            pipelines.append(try CoTFAPipeline(
                table: table, backend: .remote(ChatClient(configuration: configuration, transport: transport)),
                budget: PromptBudget(counter: counter)))
        }
        if pipelines.isEmpty {
            pipelines = [try CoTFAPipeline(table: table, backend: .offline, budget: PromptBudget(counter: counter))]
        }
        for pipeline in pipelines {
            do { try pipeline.connect() } catch { throw BatchError.endpointUnusable("\(error)") }
        }
        let annotator = PipelineUnitAnnotator(
            pipelines: pipelines, mode: settings.mode, textOnly: settings.textOnly, units: plan.units, frames: frames,
            frameChoice: settings.frameChoice, faceCheck: faceCheck)
        let runner = BatchRunner(
            store: store, frames: frames, annotator: annotator, concurrency: settings.concurrency,
            retryFailed: settings.retryFailed, frameChoice: settings.frameChoice, faceCheck: faceCheck)
        let todo = try runner.pending(plan.units).todo.count
        let progress = BatchProgress(total: todo, interval: progressInterval)
        let started = Date()
        let summary = try runner.run(plan.units, progress: progress)
        let calls = transports.reduce(CachedTransport.Counts()) {
            CachedTransport.Counts(calls: $0.calls + $1.statistics.calls, cacheHits: $0.cacheHits + $1.statistics.cacheHits)
        }
        return BatchRunReport(
            database: store.path, summary: summary, modelCalls: calls.calls, cacheHits: calls.cacheHits,
            seconds: Date().timeIntervalSince(started))
    }

    /// The face check with its detector loaded once for the whole run (its `detect` may be called from every worker).
    static func loadFaceCheck(weights: URL?) throws -> FaceCheck {
        do {
            return FaceCheck(detector: try FaceDetector(weightsFolder: weights))
        } catch {
            throw BatchError.faceCheckUnavailable("\(error)")
        }
    }
}
