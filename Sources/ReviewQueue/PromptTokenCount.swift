import Store
import Foundation
import CLIPTokenization

/// Exact CLIP token counts of prompts against the text encoder's 77-token window, from the renderer's SD1.5
/// tokenizer. Counts are cached per text, so redrawing the same item never tokenizes again.
public enum PromptTokenCount {
    public static let budget = CLIPTokenizer.maximumLength

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: Int] = [:]

    /// Tokens including the start and end tokens, before truncation; nil when the tokenizer cannot be loaded.
    public static func count(_ text: String) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        if let known = cache[text] { return known }
        guard let tokenizer = try? CLIPTokenizer.bundled() else { return nil }
        let count = tokenizer.tokenCount(text)
        // Bounded: a curator sees a few prompts per item; thousands of items in one sitting must not grow it forever.
        if cache.count > 4096 { cache.removeAll(keepingCapacity: true) }
        cache[text] = count
        return count
    }
}
