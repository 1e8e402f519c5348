import Foundation
import Store

/// One row of `tbd review list --status failed --json`: the failed item without its transcript, which can run to
/// megabytes of raw replies (the store keeps it whole; the `cotfa-failed/` file has it too).
struct ReviewFailedItemView: Encodable {
    let item: FailedAnnotation

    private enum CodingKeys: String, CodingKey {
        case id, model, stageIndex, stageTitle, error, recordPath, textOnly, createdAt
    }

    func encode(to encoder: Encoder) throws {
        try item.task.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(item.id, forKey: .id)
        try container.encodeIfPresent(item.model, forKey: .model)
        try container.encode(item.stageIndex, forKey: .stageIndex)
        try container.encode(item.stageTitle, forKey: .stageTitle)
        try container.encode(item.error, forKey: .error)
        try container.encodeIfPresent(item.recordPath, forKey: .recordPath)
        try container.encode(item.textOnly, forKey: .textOnly)
        try container.encodeIfPresent(item.createdAt, forKey: .createdAt)
    }
}
