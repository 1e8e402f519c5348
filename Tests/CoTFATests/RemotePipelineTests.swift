import AnnotationRecord
import CoTFA
import FACSKnowledge
import Foundation
import LoopbackChatServer
import XCTest

/// The four stages against the loopback server: the requests themselves, and every fault of the catalogue
/// ending in a correct annotation or a failed item with a clear error and nothing lost.
final class RemotePipelineTests: XCTestCase {
    func testStagesRunInOrderAsOneConversation() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input())
        let chats = server.chatRequests
        XCTAssertEqual(chats.map { StageReplies.stage(of: $0) }, [1, 2, 3, 4])
        XCTAssertEqual(annotation.stages.map(\.index), [1, 2, 3, 4])
        // The endpoint is checked first.
        XCTAssertEqual(server.requests.first?.path, "/v1/models")
        // Each request holds the system prompt, then question/answer pairs: earlier answers carried forward.
        for (number, request) in chats.enumerated() {
            let roles = request.messages.map { $0["role"] as? String ?? "" }
            XCTAssertEqual(roles, ["system"] + Array(repeating: ["user", "assistant"], count: number).flatMap { $0 } + ["user"])
        }
        let stageFour = chats[3].messages
        XCTAssertTrue(RecordedRequest.text(of: stageFour[2]).contains("short dark hair"), "stage I answer carried into stage IV")
        XCTAssertTrue(RecordedRequest.text(of: stageFour[4]).contains("AU12"), "stage II answer carried into stage IV")
        XCTAssertTrue(RecordedRequest.text(of: stageFour[6]).contains("zygomaticus major"), "stage III answer carried into stage IV")
        XCTAssertEqual(annotation.aus, ["6C", "12C"])
        XCTAssertEqual(annotation.backend, "openai-chat")
        XCTAssertEqual(annotation.modelID, "loopback-model")
        XCTAssertEqual(annotation.endpoint, server.baseURL)
        XCTAssertEqual(annotation.provenance?.offline, false)
        XCTAssertEqual(annotation.provenance?.stages.count, 4)
        XCTAssertEqual(annotation.provenance?.usage?.promptTokens, 400)
    }

    func testImageTravelsInStageIOnlyAsAJPEGDataURI() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        _ = try Fixtures.pipeline(server).annotate(Fixtures.input())
        let first = server.chatRequests[0]
        let urls = first.imageURLs(inMessage: -1)
        XCTAssertEqual(urls, ["data:image/jpeg;base64," + Fixtures.portrait.jpeg.base64EncodedString()])
        // Later stage questions carry no new image (the first question, with its image, stays in the conversation).
        for later in server.chatRequests.dropFirst() { XCTAssertTrue(later.imageURLs(inMessage: -1).isEmpty) }
    }

    func testStageTwoCarriesTheFACSRowsAndLevelWord() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        _ = try Fixtures.pipeline(server).annotate(Fixtures.input(level: .intense))
        let question = server.chatRequests[1].lastUserText
        XCTAssertTrue(question.contains("AU6D Cheek raiser"), question)
        XCTAssertTrue(question.contains("zygomaticus major"), question)
        XCTAssertTrue(question.contains("Intense"), question)
        XCTAssertTrue(question.contains("AU25 Lips part (in other variants only)"), question)
        XCTAssertTrue(server.chatRequests[2].lastUserText.contains("Intense"))
        XCTAssertTrue(server.chatRequests[3].lastUserText.contains("Intense"))
        XCTAssertFalse(server.chatRequests[0].lastUserText.contains("Intense"), "stage I is about the face, not the emotion")
    }

    func testEachStageSendsItsOwnSchema() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        _ = try Fixtures.pipeline(server).annotate(Fixtures.input())
        let required = server.chatRequests.map { request -> [String] in
            let format = request.json?["response_format"] as? [String: Any]
            XCTAssertEqual(format?["type"] as? String, "json_schema")
            let schema = (format?["json_schema"] as? [String: Any])?["schema"] as? [String: Any]
            return schema?["required"] as? [String] ?? []
        }
        XCTAssertEqual(required[0], ["age_range", "gender_presentation", "perceived_ethnicity", "hair", "notable_features"])
        XCTAssertEqual(required[1], ["action_units"])
        XCTAssertEqual(required[2], ["muscles", "coordination", "individual_variation"])
        XCTAssertEqual(required[3], ["coarse_prompt", "fine_prompt"])
    }

    func testProseWrappedAndFencedJSONIsAccepted() throws {
        let wrapped = "Sure! Here is the analysis:\n```json\n" + StageReplies.actionUnits.replacingOccurrences(of: "}]}", with: "},]}") + "\n```\nLet me know."
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 2, .chat(wrapped)))
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input())
        XCTAssertEqual(annotation.aus, ["6C", "12C"])
        XCTAssertEqual(server.chatRequests.count, 4, "no repair turn needed")
        XCTAssertEqual(annotation.stages[1].rawReply, wrapped, "the raw reply is kept as received")
    }

    func testMalformedReplyGetsOneRepairTurnQuotingTheError() throws {
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 3, .chat(#"{"muscles": "zygomaticus"}"#)))
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input())
        XCTAssertEqual(server.chatRequests.count, 5)
        let repair = server.chatRequests[3].lastUserText
        XCTAssertTrue(repair.hasPrefix("Your last answer could not be used"), repair)
        XCTAssertTrue(repair.contains("muscles must be an array"), repair)
        let stage = annotation.stages[2]
        XCTAssertEqual(stage.rejectedReply, #"{"muscles": "zygomaticus"}"#)
        XCTAssertNotNil(stage.parsed)
        XCTAssertTrue(annotation.findings.contains { $0.kind == .modelReply })
        let lastRoles = server.chatRequests[4].messages.map { $0["role"] as? String ?? "" }
        XCTAssertEqual(lastRoles, ["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"], "the repair detour is not carried forward")
        XCTAssertTrue(RecordedRequest.text(of: server.chatRequests[4].messages[6]).contains("orbicularis oculi"))
    }

    func testReplyThatStaysBrokenFailsTheItemWithRawRepliesKept() throws {
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 2, .chat("I cannot answer that."), times: 2))
        XCTAssertThrowsError(try Fixtures.pipeline(server).annotate(Fixtures.input())) { error in
            let failure = error as! AnnotationFailure
            XCTAssertEqual(failure.stageIndex, 2)
            XCTAssertTrue(failure.reason.contains("after one repair turn"), failure.reason)
            XCTAssertEqual(failure.stages.count, 2, "stage I and the failed stage II are kept")
            XCTAssertEqual(failure.stages[1].rawReply, "I cannot answer that.")
            XCTAssertEqual(failure.stages[1].rejectedReply, "I cannot answer that.")
            XCTAssertNotNil(failure.stages[0].parsed)
        }
        XCTAssertEqual(server.chatRequests.count, 3, "no stage after the failed one is asked")
    }

    func testReplyCutOffAtLengthIsRepaired() throws {
        let truncated = String(StageReplies.muscles.prefix(80))
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 3, .chat(truncated, finishReason: "length")))
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input())
        XCTAssertTrue(server.chatRequests[3].lastUserText.contains("cut off"), server.chatRequests[3].lastUserText)
        XCTAssertEqual(annotation.stages[2].rejectedReply, truncated)
        XCTAssertTrue(annotation.findings.contains { $0.kind == .modelReply && $0.message.contains("length") })
    }

    func testServerErrorsAndResetsMidConversationAreRetried() throws {
        let responder: LoopbackChatServer.Responder = { request, index in
            switch index {
            case 1: return .status(500, body: "internal error")
            case 2: return .reset
            case 3: return .status(429, headers: ["Retry-After": "0"])
            case 4: return .delayed(0.05, .chat(StageReplies.validContent(for: request)))
            default: return .chat(StageReplies.validContent(for: request))
            }
        }
        let server = try LoopbackChatServer(responder: responder)
        let annotation = try Fixtures.pipeline(server, attempts: 4).annotate(Fixtures.input())
        XCTAssertEqual(annotation.aus, ["6C", "12C"])
        // libcurl itself retries once when a reused connection turns out dead, so the reset may cost no attempt.
        XCTAssertGreaterThanOrEqual(annotation.stages[1].attempts, 3)
        XCTAssertEqual(server.chatRequests.filter { StageReplies.stage(of: $0) == 2 }.count, 4)
    }

    func testPersistentServerFailureFailsTheItemKeepingEarlierStages() throws {
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 4, .status(503, body: "overloaded"), times: 10))
        XCTAssertThrowsError(try Fixtures.pipeline(server, attempts: 2).annotate(Fixtures.input())) { error in
            let failure = error as! AnnotationFailure
            XCTAssertEqual(failure.stageIndex, 4)
            XCTAssertTrue(failure.reason.contains("HTTP 503"), failure.reason)
            XCTAssertEqual(failure.stages.map(\.index), [1, 2, 3])
        }
    }

    func testUnknownAUsAreReportedDroppedAndMarkedInTheFinePrompt() throws {
        let stageTwo = #"{"action_units":[{"code":"AU6","intensity":"C","reason":"cheeks"},{"code":"AU12","intensity":"C","reason":"smile"},{"code":"AU99","intensity":"B","reason":"invented"},{"code":"AU3","intensity":"A","reason":"baby FACS"}]}"#
        let stageFour = #"{"coarse_prompt":"a smiling woman","fine_prompt":"cheek raiser AU6, lip corner puller AU12, AU99 sparkle"}"#
        let server = try LoopbackChatServer { request, _ in
            switch StageReplies.stage(of: request) {
            case 2: .chat(stageTwo)
            case 4: .chat(stageFour)
            default: .chat(StageReplies.validContent(for: request))
            }
        }
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input())
        XCTAssertEqual(annotation.aus, ["6C", "12C"])
        let unknown = annotation.findings.filter { $0.kind == .unknownCode }
        XCTAssertEqual(Set(unknown.flatMap(\.codes)), [99, 3])
        XCTAssertTrue(unknown.allSatisfy { $0.severity == .error })
        XCTAssertTrue(annotation.finePrompt.contains("[unverified:AU99]"), annotation.finePrompt)
        XCTAssertFalse(annotation.finePrompt.replacingOccurrences(of: "[unverified:AU99]", with: "").contains("AU99"))
        XCTAssertTrue(annotation.hasGroundingErrors)
    }

    func testContradictingAUsWrongMusclesAndPromptAUsOutsideTheAnalysisAreReported() throws {
        let stageTwo = #"{"action_units":[{"code":"AU6","intensity":"C","reason":"cheeks"},{"code":"AU12","intensity":"C","reason":"smile"},{"code":"AU15","intensity":"C","reason":"sad corners"}]}"#
        let stageThree = #"{"muscles":[{"au":"AU12","muscles":["zygomatic major","frontalis"],"movement":"pulls"}],"coordination":"x","individual_variation":"y"}"#
        let stageFour = #"{"coarse_prompt":"a smiling woman","fine_prompt":"cheek raiser, lip corner puller, brow lowerer AU4"}"#
        let server = try LoopbackChatServer { request, _ in
            switch StageReplies.stage(of: request) {
            case 2: .chat(stageTwo)
            case 3: .chat(stageThree)
            case 4: .chat(stageFour)
            default: .chat(StageReplies.validContent(for: request))
            }
        }
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input())
        let kinds = annotation.findings.map(\.kind)
        XCTAssertTrue(annotation.findings.contains { $0.kind == .unexpectedAU && $0.codes == [15] }, "\(annotation.findings)")
        XCTAssertTrue(annotation.findings.contains { $0.kind == .opposingActions && Set($0.codes) == [12, 15] }, "\(annotation.findings)")
        let mismatch = annotation.findings.filter { $0.kind == .muscleMismatch }
        XCTAssertEqual(mismatch.count, 1, "'zygomatic major' matches AU12's zygomaticus major; frontalis does not: \(mismatch)")
        XCTAssertTrue(mismatch[0].message.contains("frontalis"))
        XCTAssertTrue(mismatch[0].codes.contains(1), "frontalis belongs to AU1")
        XCTAssertTrue(annotation.findings.contains { $0.kind == .auNotInAnalysis && $0.codes == [4] }, "\(kinds)")
        XCTAssertEqual(annotation.aus, ["6C", "12C", "15C"])
    }

    func testEscapeSequencesNeverReachPromptsOrStageText() throws {
        let stageFour = "{\"coarse_prompt\":\"a woman \\u001b[31msmiling\\u001b[0m\\u0007\",\"fine_prompt\":\"cheek raiser\\u001b]0;owned\\u0007, lip corner puller\"}"
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 4, .chat(stageFour)))
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input())
        XCTAssertEqual(annotation.coarsePrompt, "a woman smiling")
        XCTAssertEqual(annotation.finePrompt, "cheek raiser, lip corner puller")
        let rendered = AnnotationText.render(annotation)
        XCTAssertFalse(rendered.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        XCTAssertTrue(annotation.stages[3].rawReply!.contains("\\u001b"), "the raw reply stays as received")
    }

    func testHugeContentFieldIsRejectedThenRepaired() throws {
        let long = #"{"age_range":""# + String(repeating: "very ", count: 2_000) + #"old","gender_presentation":"x","perceived_ethnicity":"x","hair":"x","notable_features":[]}"#
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 1, .chat(long)))
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input())
        XCTAssertTrue(annotation.stages[0].rejectionReason?.contains("age_range is 10003 characters long") ?? false, annotation.stages[0].rejectionReason ?? "")

        // A megabyte is refused by its size, unread; the repair turn echoes a bounded slice of it.
        let huge = #"{"age_range":""# + String(repeating: "very ", count: 200_000) + #"old","gender_presentation":"x","perceived_ethnicity":"x","hair":"x","notable_features":[]}"#
        let hugeServer = try LoopbackChatServer(responder: StageReplies.fault(atStage: 1, .chat(huge)))
        let repaired = try Fixtures.pipeline(hugeServer).annotate(Fixtures.input())
        XCTAssertTrue(repaired.stages[0].rejectionReason?.contains("the reply is \(huge.utf8.count) bytes long") ?? false, repaired.stages[0].rejectionReason ?? "")
        XCTAssertLessThan(hugeServer.chatRequests[1].body.count, 60_000)
    }

    func testOverlongPromptsAreFittedToTheCLIPBudget() throws {
        let long = Array(repeating: "lip corner puller pulls the corners of the mouth upward and outward", count: 8).joined(separator: ", ")
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 4, .chat(#"{"coarse_prompt":"a smiling woman","fine_prompt":"\#(long)"}"#)))
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input())
        XCTAssertLessThanOrEqual(ConservativeCLIPTokenEstimate().tokenCount(annotation.finePrompt), 77)
        XCTAssertTrue(annotation.finePrompt.hasPrefix("lip corner puller pulls"))
        XCTAssertTrue(annotation.findings.contains { $0.kind == .promptOverBudget })
    }

    /// A model's overlong prompt loses the phrases that name no AU first; losing an AU is a warning naming it.
    func testFittingCutsPhrasesWithoutAUsFirstAndWarnsWhenAnAUIsLost() throws {
        let filler = Array(repeating: "soft even studio light on a calm neutral grey background", count: 8).joined(separator: ", ")
        let fine = "AU6C cheek raiser, \(filler), AU12C lip corner puller"
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 4, .chat(#"{"coarse_prompt":"a smiling woman","fine_prompt":"\#(fine)"}"#)))
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input())
        XCTAssertTrue(annotation.finePrompt.contains("AU6C") && annotation.finePrompt.contains("AU12C"), annotation.finePrompt)
        let over = try XCTUnwrap(annotation.findings.first { $0.kind == .promptOverBudget })
        XCTAssertEqual(over.severity, .info)
        XCTAssertTrue(over.message.contains("cut: \"soft even studio light"), over.message)

        let manyAUs = (1...30).map { "AU\($0 % 27 + 1) something long and descriptive here" }.joined(separator: ", ")
        let crowded = try LoopbackChatServer(responder: StageReplies.fault(atStage: 4, .chat(#"{"coarse_prompt":"a face","fine_prompt":"\#(manyAUs)"}"#)))
        let cut = try Fixtures.pipeline(crowded).annotate(Fixtures.input())
        let warning = try XCTUnwrap(cut.findings.first { $0.kind == .promptOverBudget })
        XCTAssertEqual(warning.severity, .warning, warning.message)
        XCTAssertFalse(warning.codes.isEmpty)
        XCTAssertTrue(warning.message.contains("AU"), warning.message)
    }

    func testTextOnlySendsADescriptionInsteadOfTheImage() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input(textOnly: true))
        for request in server.chatRequests {
            XCTAssertFalse(String(decoding: request.body, as: UTF8.self).contains("image_url"))
        }
        XCTAssertTrue(server.chatRequests[0].lastUserText.contains("a woman in her thirties with short dark hair"))
        XCTAssertTrue(server.chatRequests[0].lastUserText.contains("No image is attached"))
        XCTAssertEqual(annotation.provenance?.image, "text only")
    }

    func testDescribeModeAsksOneDirectQuestion() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input(mode: .describe))
        XCTAssertEqual(server.chatRequests.count, 1)
        XCTAssertEqual(StageReplies.stage(of: server.chatRequests[0]), 0)
        XCTAssertEqual(server.chatRequests[0].imageURLs(inMessage: -1).count, 1)
        XCTAssertEqual(annotation.mode, .describe)
        XCTAssertEqual(annotation.aus, ["6", "12"])
        XCTAssertEqual(annotation.stages.count, 1)
    }

    func testLabelModeAsksNothing() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input(emotion: "sad", level: .mild, mode: .label))
        XCTAssertTrue(server.chatRequests.isEmpty)
        XCTAssertEqual(annotation.finePrompt, "a mild sad face")
        XCTAssertEqual(annotation.coarsePrompt, "a woman in her thirties with short dark hair, mild sad expression")
        XCTAssertTrue(annotation.aus.isEmpty)
        XCTAssertEqual(annotation.backend, "label-template")
        XCTAssertNil(annotation.endpoint)
        XCTAssertEqual(annotation.provenance?.offline, true)
    }

    func testBatchRunsConcurrentlyAndKeepsOrder() throws {
        // Six subjects; the stage IV reply names the subject its conversation is about (stage I's question, carried
        // in every later request, says "described as: subject-N"), so each result shows which input it answers.
        // The first request is held until another item's request arrives (the client's request timeout is 5 s).
        let gate = OverlapGate(timeout: 3)
        let server = try LoopbackChatServer { request, _ in
            let body = String(decoding: request.body, as: UTF8.self)
            let subject = body.range(of: "subject-[0-9]+", options: .regularExpression).map { String(body[$0]) } ?? "nobody"
            gate.arrive(subject)
            guard StageReplies.stage(of: request) == 4 else { return .chat(StageReplies.validContent(for: request)) }
            return .chat(#"{"coarse_prompt":"\#(subject), moderate happy expression","fine_prompt":"cheek raiser AU6, lip corner puller AU12"}"#)
        }
        let inputs = (0..<6).map { Fixtures.input(subject: "subject-\($0)") }
        let results = try Fixtures.pipeline(server).annotateAll(inputs, concurrency: 3)

        XCTAssertEqual(results.count, 6)
        for (index, result) in results.enumerated() {
            let annotation = try result.get()
            XCTAssertEqual(annotation.subject.description, "subject-\(index)", "result \(index) is in input order")
            XCTAssertEqual(annotation.coarsePrompt, "subject-\(index), moderate happy expression", "result \(index) holds its own replies")
            XCTAssertEqual(annotation.aus, ["6C", "12C"])
        }
        XCTAssertEqual(Set(gate.met).count, 2, "no other item's request arrived while the first was held: \(gate.met)")
        XCTAssertGreaterThanOrEqual(server.maxConcurrentChats, 2)
        XCTAssertLessThanOrEqual(server.maxConcurrentChats, 3, "never more requests at once than the concurrency asked for")
        XCTAssertEqual(server.chatRequests.count, 24)
    }
}
