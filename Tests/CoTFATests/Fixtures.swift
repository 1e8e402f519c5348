import AnnotationRecord
import CoTFA
import FACSKnowledge
import Foundation
import LoopbackChatServer
import XCTest

/// What the CoT-FA tests share: the FACS table, a stand-in portrait, and clients, pipelines and inputs aimed at a
/// loopback server.
enum Fixtures {
    static let table = try! FACSTable.bundled()
    /// Bytes standing in for a JPEG: the pipeline sends them as they are; the server only checks they arrive.
    static let portrait = PortraitImage(jpeg: Data([0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x42, count: 2000) + [0xFF, 0xD9]), width: 448, height: 448)

    static func configuration(_ server: LoopbackChatServer, format: ResponseFormatMode = .auto, attempts: Int = 3, apiKey: String? = nil) -> VLMConfiguration {
        var configuration = try! VLMConfiguration(baseURL: server.baseURL, model: "loopback-model", apiKey: apiKey)
        configuration.responseFormat = format
        configuration.retry = RetryPolicy(maxAttempts: attempts, baseDelay: 0.01, maxDelay: 0.05, maxRetryAfter: 30)
        configuration.connectTimeout = 2
        configuration.requestTimeout = 5
        return configuration
    }

    static func client(
        _ server: LoopbackChatServer, format: ResponseFormatMode = .auto, attempts: Int = 3, apiKey: String? = nil,
        sleeps: RecordedSleeps = RecordedSleeps(), memory: ResponseFormatMemory = ResponseFormatMemory()
    ) -> ChatClient {
        ChatClient(
            configuration: configuration(server, format: format, attempts: attempts, apiKey: apiKey),
            formatMemory: memory, sleep: sleeps.sleep, unitRandom: { 0.5 })
    }

    static func pipeline(_ server: LoopbackChatServer, format: ResponseFormatMode = .auto, attempts: Int = 3) throws -> CoTFAPipeline {
        try CoTFAPipeline(table: table, backend: .remote(client(server, format: format, attempts: attempts)))
    }

    static func input(
        emotion: String = "happy", level: EmotionLevel = .moderate, mode: AnnotationMode = .cot, textOnly: Bool = false,
        subject: String? = "a woman in her thirties with short dark hair"
    ) -> AnnotationInput {
        AnnotationInput(
            subject: AnnotationSubject(sourcePath: "data/portrait.jpg", kind: .image, description: subject),
            emotion: emotion, level: level, mode: mode, image: portrait, textOnly: textOnly)
    }


}
