import SafeText
import Store

/// What `review approve` and `review reject` print: a final decision, or one curator's response that leaves the
/// item pending (overlap above 1) or sends it to a reviewer.
enum ReviewOutcomeText {
    static func describe(_ decision: Decision, verb: String, curator: String) -> String {
        let who = TerminalText.sanitize(curator)
        guard decision.statusAfter == .pending else {
            return "\(verb) #\(decision.annotationID) (revision \(decision.revisionAfter)) as \(who)"
        }
        return "recorded \(who)'s response on #\(decision.annotationID) (\(verb)); the item stays pending until every curator of the overlap has decided, or a reviewer settles a disagreement"
    }
}
