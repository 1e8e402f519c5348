import AnnotationRecord
import ArgumentParser
import CoTFA
import FACSKnowledge
import Renderer
import Store

// Closed sets of option values: ArgumentParser checks them and lists the choices in --help and in its errors.
extension ProgressiveGuidanceSchedule.Mode: ExpressibleByArgument {}
extension AnnotationMode: ExpressibleByArgument {}
extension ReviewStatus: ExpressibleByArgument {}
extension EmotionLevel: ExpressibleByArgument {}
extension ResponseFormatMode: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}
extension ExportUnit: ExpressibleByArgument {}

/// `--status`: one status, any, or conflict (pending items whose curators disagreed, waiting for a reviewer).
enum StatusChoice: String, CaseIterable, ExpressibleByArgument {
    case pending, approved, rejected, conflict, any

    var status: ReviewStatus? { self == .conflict ? .pending : ReviewStatus(rawValue: rawValue) }
    var conflict: Bool? { self == .conflict ? true : nil }
}

extension CuratorRole: ExpressibleByArgument {}

enum YesNo: String, CaseIterable, ExpressibleByArgument {
    case yes, no
}
