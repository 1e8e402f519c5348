import FACSKnowledge
import Store

/// The JSON of `tbd review edit`: the new revision's fields, and beside them its error findings, which an
/// approval has to override with --force.
struct ReviewEditView: Encodable {
    let revision: Revision
    var errorFindings: [Finding] { revision.findings.filter { $0.severity == .error } }

    private enum CodingKeys: String, CodingKey { case errorFindings }

    func encode(to encoder: Encoder) throws {
        try revision.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(errorFindings, forKey: .errorFindings)
    }
}
