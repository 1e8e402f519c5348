import EvaluationJobs
import Foundation

/// One stderr line per scored clip of `eval renders` and `eval ablation`: where the run stands and the time left at
/// the pace of the clips scored so far (clips read back from the cache cost nothing and are said so).
enum EvalProgressLine {
    static func show(_ progress: EvaluationProgress, quiet: Bool = false) {
        guard !quiet else { return }
        let left = progress.remainingSeconds.map { "about \(ProgressLine.duration($0)) left" } ?? "time left unknown yet"
        let how = progress.cached ? "from the cache" : String(format: "scored in %.1f s", progress.seconds)
        FileHandle.standardError.write(Data("eval [\(progress.done)/\(progress.count)] \(progress.name): \(how); \(left)\n".utf8))
    }
}
