import CoTFA
import Renderer

/// The renderer's exact CLIP tokenizer as the CoT-FA prompt budget's counter, so prompts are fitted to the
/// 77 tokens the text encoder really reads (CoTFA itself does not depend on the renderer).
struct CLIPPromptTokenCounter: PromptTokenCounter {
    let name = "clip-bpe"
    let tokenizer: CLIPTokenizer

    func tokenCount(_ text: String) -> Int { tokenizer.tokenCount(text) }
}
