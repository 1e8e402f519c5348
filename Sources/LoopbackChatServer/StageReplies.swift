import Foundation

/// Valid answers for each CoT-FA stage (a moderately happy face), chosen by what the request asks:
/// the default responder for tests and benchmarks, on top of which faults are scripted.
public enum StageReplies {
    public static let facialInformation = #"{"age_range":"30-40","gender_presentation":"female-presenting","perceived_ethnicity":"not assessed","hair":"short dark hair","notable_features":["small earrings"]}"#
    public static let actionUnits = #"{"action_units":[{"code":"AU6","intensity":"C","reason":"the cheeks lift and crow's feet appear"},{"code":"AU12","intensity":"C","reason":"the lip corners pull up and back"}]}"#
    public static let muscles = #"{"muscles":[{"au":"AU6","muscles":["orbicularis oculi, pars orbitalis"],"movement":"the outer ring of the eye muscle lifts the cheeks"},{"au":"AU12","muscles":["zygomaticus major"],"movement":"pulls the lip corners up and back"}],"coordination":"cheek raiser and lip corner puller act together in a Duchenne smile","individual_variation":"smile width varies with face shape"}"#
    public static let promptDesign = #"{"coarse_prompt":"a woman in her thirties with short dark hair, moderate happy expression","fine_prompt":"cheek raiser AU6, lip corner puller AU12, zygomaticus major pulls the lip corners up"}"#
    public static let directDescription = #"{"description":"a woman smiling moderately","action_units":["AU6","AU12"],"coarse_prompt":"a woman with a moderate happy expression","fine_prompt":"cheek raiser, lip corner puller"}"#

    /// Which stage a request asks for: 1...4, 0 for the direct description, nil when unrecognised.
    /// A repair turn counts as the stage it repairs. Found by searching the raw body for the stage headings
    /// (the last one is the question being asked), which keeps the server cheap next to the client it measures.
    public static func stage(of request: RecordedRequest) -> Int? {
        let headings: [(String, Int)] = [("Stage IV - ", 4), ("Stage III - ", 3), ("Stage II - ", 2), ("Stage I - ", 1)]
        return request.body.withUnsafeBytes { (body: UnsafeRawBufferPointer) -> Int? in
            // The heading found last in the body is the question being asked (a repair turn follows its question).
            var best: (offset: Int, stage: Int)?
            for (heading, stage) in headings {
                if let offset = lastOffset(of: heading, in: body), best == nil || offset > best!.offset { best = (offset, stage) }
            }
            if let best { return best.stage }
            return lastOffset(of: "list the FACS action units involved", in: body) != nil ? 0 : nil
        }
    }

    /// A backwards byte search over the raw body: cheap, so the server costs little next to the client it measures.
    private static func lastOffset(of needle: String, in haystack: UnsafeRawBufferPointer) -> Int? {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, haystack.count >= pattern.count else { return nil }
        var start = haystack.count - pattern.count
        while start >= 0 {
            if haystack[start] == first {
                var index = 1
                while index < pattern.count && haystack[start + index] == pattern[index] { index += 1 }
                if index == pattern.count { return start }
            }
            start -= 1
        }
        return nil
    }

    public static func validContent(for request: RecordedRequest) -> String {
        switch stage(of: request) {
        case 1: facialInformation
        case 2: actionUnits
        case 3: muscles
        case 4: promptDesign
        default: directDescription
        }
    }

    /// Answers every stage correctly.
    public static let responder: LoopbackChatServer.Responder = { request, _ in .chat(validContent(for: request)) }

    /// A responder answering every stage correctly except `stage`, which gets `reply` (once, or every time).
    public static func fault(atStage stage: Int, _ reply: ScriptedReply, times: Int = 1) -> LoopbackChatServer.Responder {
        let counter = Counter()
        return { request, _ in
            if StageReplies.stage(of: request) == stage, counter.next() < times { return reply }
            return .chat(StageReplies.validContent(for: request))
        }
    }

    /// Counts the requests a faulty responder has seen.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { defer { value += 1 }; return value } }
    }
}
