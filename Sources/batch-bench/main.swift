import AnnotationRecord
import BatchAnnotation
import CoTFA
import DatasetLayout
import FACSKnowledge
import Foundation
import LoopbackChatServer
import MediaIO
import Store

// Batch annotation benchmarks (release build; see BENCHMARKS.md):
// 1. runner throughput against the loopback server at a fixed reply latency and concurrency, as a fraction of the
//    ideal (concurrency / latency), in describe mode (one call per unit) and cot mode (shared stages);
// 2. model calls per clip for a full-size MEAD index (60 actors, every emotion and level, 30 clips, front view).
// Usage: batch-bench [--latency 0.2] [--concurrency 16] [--units 320]

var latency = 0.2, concurrency = 16, unitCount = 320
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    guard let value = arguments.next() else { break }
    switch flag {
    case "--latency": latency = Double(value) ?? latency
    case "--concurrency": concurrency = Int(value) ?? concurrency
    case "--units": unitCount = Int(value) ?? unitCount
    default: break
    }
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tbd-batch-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let clipPath = folder.appendingPathComponent("clip.mp4").path
let writer = try VideoWriter(path: clipPath, width: 64, height: 64, fps: 25)
for _ in 0..<3 { try writer.append(RGBImage(width: 64, height: 64, filledWith: (128, 100, 90))) }
_ = try writer.finish()

/// Units of distinct actors over MEAD's emotion-levels, all pointing at one clip (its frame is cached once).
func units(_ count: Int) -> [AnnotationUnit] {
    let emotionLevels = MEADPath.emotions.flatMap { emotion in (emotion == "neutral" ? [1] : [1, 2, 3]).map { (emotion, $0) } }
    return (0..<count).map { index in
        let (emotion, level) = emotionLevels[index % emotionLevels.count]
        let actor = String(format: "M%03d", index / emotionLevels.count)
        let clip = DatasetClip(dataset: .mead, path: clipPath, actor: actor, emotion: emotion, level: level, view: "front")
        return AnnotationUnit(dataset: .mead, actor: actor, emotion: emotion, level: level, clips: [clip])
    }
}

func measure(mode: AnnotationMode, units: [AnnotationUnit]) throws -> (calls: Int, seconds: Double) {
    let server = try LoopbackChatServer { request, _ in .delayed(latency, .chat(StageReplies.validContent(for: request))) }
    defer { server.stop() }
    let store = try ProjectStore(path: folder.appendingPathComponent("\(mode.rawValue).sqlite").path)
    let frames = try ReferenceFrameCache(directory: folder.appendingPathComponent("frames").path)
    var configuration = try VLMConfiguration(baseURL: server.baseURL, model: "loopback-model")
    configuration.maxConcurrentRequests = concurrency
    let transport = CachedTransport(inner: CurlTransport(maxConcurrentRequests: concurrency), store: store)
    let pipeline = try CoTFAPipeline(
        table: try FACSTable.bundled(), backend: .remote(ChatClient(configuration: configuration, transport: transport)))
    try pipeline.connect()
    _ = try frames.frame(path: clipPath, choice: .middle)
    let annotator = PipelineUnitAnnotator(pipelines: [pipeline], mode: mode, textOnly: false, units: units, frames: frames)
    let runner = BatchRunner(store: store, frames: frames, annotator: annotator, concurrency: concurrency)
    let started = Date()
    let summary = try runner.run(units)
    let seconds = Date().timeIntervalSince(started)
    guard summary.failed == 0 else { throw UnitsFailed(errors: summary.errors) }
    return (transport.statistics.calls, seconds)
}

struct UnitsFailed: Error { let errors: [String: String] }

print(String(format: "runner throughput, reply latency %.0f ms, concurrency %d (ideal %.1f calls/s)", latency * 1000, concurrency, Double(concurrency) / latency))
for mode in [AnnotationMode.describe, .cot] {
    let (calls, seconds) = try measure(mode: mode, units: units(unitCount))
    let rate = Double(calls) / seconds
    print(String(format: "  %@: %d units, %d model calls in %.2f s = %.1f calls/s, %.3f of ideal", mode.rawValue, unitCount, calls, seconds, rate, rate / (Double(concurrency) / latency)))
}

var index: [DatasetClip] = []
for number in 1...60 {
    let actor = String(format: "%@%03d", number % 2 == 0 ? "W" : "M", number)
    for emotion in MEADPath.emotions {
        for level in emotion == "neutral" ? [1] : [1, 2, 3] {
            for clip in 1...30 {
                index.append(DatasetClip(dataset: .mead, path: "/mead/\(actor)/\(emotion)/\(level)/\(clip).mp4", actor: actor, emotion: emotion, level: level, view: "front"))
            }
        }
    }
}
let plan = BatchPlan(scan: ScanResult(clips: index), selection: BatchSelection(), mode: .cot)
print(String(format: "full MEAD index (60 actors, 22 emotion-levels, 30 clips, front): %d clips, %d units, %d calls (naive %d) = %.4f calls per clip",
             plan.clipsSelected, plan.units.count, plan.calls.total, plan.naiveCalls, plan.callsPerClip))
