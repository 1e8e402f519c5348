import AnnotationRecord
import FACSKnowledge
import Foundation
import Store
// Targets that import TestSupport get `makeTemporaryFolder` with it; targets that must not link the store
// (the tokenizer's, the tensors', the renderer's) import TemporaryFolders alone.
@_exported import TemporaryFolders

/// A clock the tests move by hand, so leases expire without sleeping.
public final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)

    public init() {}

    public var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func advance(_ seconds: TimeInterval) {
        lock.lock()
        current += seconds
        lock.unlock()
    }
}

/// A complete annotation with four stages, as a pipeline would hand it to the store.
public func sampleAnnotation(
    _ index: Int = 0, emotion: String = "happy", level: EmotionLevel = .moderate, actor: String = "M003",
    backend: String = "openai-chat", fine: String? = nil, findings: [Finding] = [], sourcePath: String? = nil
) -> Annotation {
    Annotation(
        subject: AnnotationSubject(
            sourcePath: sourcePath ?? "/data/mead/\(actor)/front/\(emotion)/level_\(level.rawValue)/\(String(format: "%03d", index)).mp4",
            kind: .clip, actorID: actor, view: "front", contentHash: "hash\(index)"),
        emotion: emotion, level: level, mode: .cot, backend: backend, endpoint: "http://127.0.0.1:8000/v1",
        modelID: "qwen2-vl-7b", templateVersion: "cot-v1",
        stages: [
            StageRecord(index: 1, title: "Observe", text: "Cheeks raised, lip corners pulled up."),
            StageRecord(index: 2, title: "Name the AUs", text: "AU6C, AU12C"),
            StageRecord(index: 3, title: "Check", text: "Consistent with happiness."),
            StageRecord(index: 4, title: "Prompts", text: "coarse and fine written", parsed: "{\"coarse\":\"a happy face\"}"),
        ],
        coarsePrompt: "a \(emotion) face number \(index)",
        finePrompt: fine ?? "cheeks raised and lip corners pulled up in a clear smile, item \(index)",
        aus: [ScoredAU(code: 6, intensity: .c), ScoredAU(code: 12, intensity: .c)], findings: findings)
}

/// A store in a fresh temporary folder; the caller removes `folder`.
public func makeTemporaryStore(clock: TestClock? = nil) throws -> (store: ProjectStore, folder: URL) {
    let folder = try makeTemporaryFolder("tbd-store")
    let path = folder.appendingPathComponent("tbd.sqlite").path
    let store = try clock.map { clock in try ProjectStore(path: path, options: .init(clock: { clock.now })) } ?? ProjectStore(path: path)
    return (store, folder)
}
