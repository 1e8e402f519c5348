import CLIPTokenization
import Foundation
@_spi(Development) import Tensors

extension OperationBenchmarks {
    /// One text-encoder call on the condition and the empty negative prompt (2 x 77 tokens), as one sampling run
    /// needs. FLOPs count the matrix products.
    @_spi(Development) public static func textEncoder(_ model: CLIPTextModel, tokenizer: CLIPTokenizer, repeats: Int = 5) throws -> Result {
        let batch = [tokenizer.encode("a close-up portrait of a person with raised brows and parted lips"), tokenizer.encode("")]
        let c = model.configuration
        let tokens = Double(batch.count * CLIPTokenizer.maximumLength)
        let perLayer = tokens * (8 * Double(c.hiddenSize * c.hiddenSize) + 4 * Double(c.hiddenSize * c.intermediateSize))
            + 4 * Double(batch.count) * Double(CLIPTokenizer.maximumLength * CLIPTokenizer.maximumLength * c.hiddenSize)
        let seconds = try median(repeats: repeats) { _ = try model(batch) }
        return Result(name: "CLIP text encoder 2x77 tokens", seconds: seconds, flops: perLayer * Double(c.numHiddenLayers))
    }
}
