import Foundation

/// diffusers' `Attention` projections around scaled dot-product attention: `to_q`, `to_k`, `to_v` and `to_out.0`
/// on token tensors [N, L, C]. Keys and values come from `context` (cross-attention) or the input itself.
package struct AttentionLayer {
    package let query: LinearLayer
    package let key: LinearLayer
    package let value: LinearLayer
    package let output: LinearLayer
    package let heads: Int
    /// The reader's: at bf16 the attention itself runs on BF16 operands too (`Attention.scaledDotProduct`).
    package let precision: WeightPrecision

    /// The UNet's projections have no bias on queries, keys and values; the VAE's do.
    package init(_ weights: WeightReader, width: Int, contextWidth: Int, heads: Int, projectionBias: Bool) throws {
        guard heads > 0, width % heads == 0 else {
            throw ModelLoadingError.invalidConfiguration("attention \(weights.prefix): \(width) features do not split into \(heads) heads")
        }
        query = try LinearLayer(weights, "to_q", input: width, output: width, bias: projectionBias)
        key = try LinearLayer(weights, "to_k", input: contextWidth, output: width, bias: projectionBias)
        value = try LinearLayer(weights, "to_v", input: contextWidth, output: width, bias: projectionBias)
        output = try LinearLayer(weights, "to_out.0", input: width, output: width)
        self.heads = heads
        precision = weights.precision
    }

    package func callAsFunction(_ input: Tensor, context: Tensor? = nil) -> Tensor {
        let source = context ?? input
        let attended = Attention.scaledDotProduct(query: query(input), key: key(source), value: value(source), heads: heads,
                                                    precision: precision)
        return output(attended)
    }

    /// Self-attention in which each item marked in `items` also attends to `extra` [1, L_extra, C]: its keys and
    /// values are its own tokens followed by the extra ones (Hallo's reference attention). The extra tokens are
    /// projected once; runs of items with the same mark share one attention call.
    package func callAsFunction(_ input: Tensor, appending extra: Tensor, forItems items: [Bool]) -> Tensor {
        precondition(items.count == input.shape[0] && extra.rank == 3 && extra.shape[0] == 1,
                     "reference attention: \(items.count) marks for \(input.shape), extra \(extra.shape)")
        let (queries, keys, values) = (query(input), key(input), value(input))
        let (extraKeys, extraValues) = (key(extra), value(extra))
        var parts = [Tensor]()
        var start = 0
        while start < items.count {
            var end = start + 1
            while end < items.count, items[end] == items[start] { end += 1 }
            let range = start..<end
            let runKeys = keys.batchItems(range), runValues = values.batchItems(range)
            parts.append(Attention.scaledDotProduct(
                query: queries.batchItems(range),
                key: items[start] ? Tensor.concatenateTokens(runKeys, extraKeys) : runKeys,
                value: items[start] ? Tensor.concatenateTokens(runValues, extraValues) : runValues, heads: heads, precision: precision))
            start = end
        }
        return output(parts.count == 1 ? parts[0] : Tensor.concatenateBatch(parts))
    }
}
