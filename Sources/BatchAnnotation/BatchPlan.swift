import AnnotationRecord

/// What a batch will do before it does it: units, model calls with sharing and caching, against a naive run.
public struct BatchPlan: Codable, Sendable {
    public struct Calls: Codable, Sendable, Equatable {
        public var stageOne: Int
        public var stagesTwoAndThree: Int
        public var stageFour: Int
        public var direct: Int
        public var total: Int { stageOne + stagesTwoAndThree + stageFour + direct }
    }

    /// The mode the run stores on its annotations. With a model, cot asks stage I once per actor, II and III
    /// once per (emotion, level), IV once per unit; describe one direct question per unit; label nothing.
    public var mode: AnnotationMode
    /// Whether any model is asked: false for the offline FACS-rules reasoner and for label mode.
    public var asksModel: Bool
    public var clipsFound: Int
    public var clipsSelected: Int
    public var clipsLinked: Int
    public var skipped: Int
    public var units: [AnnotationUnit]
    public var unitsAlreadyDone: Int
    public var actors: Int
    /// Calls the remaining units need with stage sharing (before the call cache answers any of them).
    public var calls: Calls
    /// Four calls per selected clip: what annotating every clip on its own would cost.
    public var naiveCalls: Int

    public var callsPerClip: Double { clipsSelected == 0 ? 0 : Double(calls.total) / Double(clipsSelected) }

    /// Groups the selected clips into units and counts the calls the units not yet done would need.
    /// `asksModel` false (no endpoint: the offline reasoner) plans no call whatever the mode.
    public init(scan: ScanResult, selection: BatchSelection, mode: AnnotationMode, asksModel: Bool = true, done: Set<String> = []) {
        self.mode = mode
        self.asksModel = asksModel && mode != .label
        clipsFound = scan.clips.count
        skipped = scan.skipped.count
        let selected = scan.clips.filter(selection.includes)
        clipsSelected = selected.count
        var grouped: [String: AnnotationUnit] = [:]
        for clip in selected.sorted(by: { $0.path < $1.path }) {
            let key = "\(clip.dataset.rawValue)/\(clip.actor)/\(clip.emotion)/\(clip.level)"
            if grouped[key] == nil {
                grouped[key] = AnnotationUnit(dataset: clip.dataset, actor: clip.actor, emotion: clip.emotion, level: clip.level, clips: [])
            }
            if let limit = selection.clipLimitPerUnit, grouped[key]!.clips.count >= limit { continue }
            grouped[key]!.clips.append(clip)
        }
        units = grouped.values.sorted { $0.key < $1.key }
        clipsLinked = units.reduce(0) { $0 + $1.clips.count }
        actors = Set(units.map(\.actor)).count
        let remaining = units.filter { !done.contains($0.key) }
        unitsAlreadyDone = units.count - remaining.count
        switch self.asksModel ? mode : .label {
        case .cot:
            calls = Calls(
                stageOne: Set(remaining.map { "\($0.dataset.rawValue)/\($0.actor)" }).count,
                stagesTwoAndThree: 2 * Set(remaining.map { "\($0.emotion)/\($0.level)" }).count,
                stageFour: remaining.count, direct: 0)
        case .describe:
            calls = Calls(stageOne: 0, stagesTwoAndThree: 0, stageFour: 0, direct: remaining.count)
        case .label:
            calls = Calls(stageOne: 0, stagesTwoAndThree: 0, stageFour: 0, direct: 0)
        }
        naiveCalls = 4 * selected.count
    }

    /// Wall time at `concurrency` parallel calls of `secondsPerCall` each, wave by wave.
    public func estimatedSeconds(concurrency: Int, secondsPerCall: Double) -> Double {
        let lanes = Double(max(concurrency, 1))
        func wave(_ count: Int) -> Double { (Double(count) / lanes).rounded(.up) * secondsPerCall }
        guard asksModel else { return 0 }
        switch mode {
        case .cot:
            // Stages I and II share a wave (neither waits for the other); III follows II; IV follows I and III.
            let half = calls.stagesTwoAndThree / 2
            return wave(calls.stageOne + half) + wave(half) + wave(calls.stageFour)
        case .describe: return wave(calls.direct)
        case .label: return 0
        }
    }
}
