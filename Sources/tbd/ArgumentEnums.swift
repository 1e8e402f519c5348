import AnnotationRecord
import ArgumentParser
import CoTFA
import FACSKnowledge
import MediaIO
import Renderer
import RenderingJobs
import Store
import Tensors

// Closed sets of option values: ArgumentParser checks them and lists the choices in --help and in its errors.
extension ProgressiveGuidanceSchedule.Mode: ExpressibleByArgument {}
extension AnnotationMode: ExpressibleByArgument {}
extension ReviewStatus: ExpressibleByArgument {}
extension WeightPrecision: ExpressibleByArgument {
    /// The line the benchmarks print: the precision and, at bf16, which kernels run it on this processor.
    var benchmarkLine: String {
        guard self == .bf16 else { return "precision \(rawValue)" }
        return "precision bf16 " + (WeightPrecision.bf16KernelRuns ? "(AVX512-BF16 kernels)" : "(no AVX512-BF16: BF16-rounded weights on the Float32 kernels)")
    }
}
extension EmotionLevel: ExpressibleByArgument {}
extension ResponseFormatMode: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}
extension ExportUnit: ExpressibleByArgument {}

/// `--status`: one status, any, or conflict (pending items whose curators disagreed, waiting for a reviewer).
enum StatusChoice: String, CaseIterable, ExpressibleByArgument {
    /// `failed`: items the pipeline could not annotate, listed by `tbd review list` only.
    case pending, approved, rejected, conflict, failed, any

    var status: ReviewStatus? { self == .conflict ? .pending : ReviewStatus(rawValue: rawValue) }
    var conflict: Bool? { self == .conflict ? true : nil }
}

extension CuratorRole: ExpressibleByArgument {}
extension ReferenceCrop: ExpressibleByArgument {}

/// `media frame --choice` and `batch --frame` read a frame choice the same way, through `FrameChoice(parsing:)`.
extension FrameChoice: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }

    /// The defaults are `first` and `middle`, which read back as they print.
    public var defaultValueDescription: String { description }

    /// The forms, for the options' help.
    static let forms = "first, middle, a time in seconds (2.5) or a frame index (index:12)"
}

enum YesNo: String, CaseIterable, ExpressibleByArgument {
    case yes, no
}
