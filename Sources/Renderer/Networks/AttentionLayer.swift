import Foundation

/// diffusers' `Attention` projections around scaled dot-product attention: `to_q`, `to_k`, `to_v` and `to_out.0`
/// on token tensors [N, L, C]. Keys and values come from `context` (cross-attention) or the input itself.
struct AttentionLayer {
    let query: LinearLayer
    let key: LinearLayer
    let value: LinearLayer
    let output: LinearLayer
    let heads: Int

    init(_ weights: WeightReader, width: Int, contextWidth: Int, heads: Int) throws {
        query = try LinearLayer(weights, "to_q", input: width)
        key = try LinearLayer(weights, "to_k", input: contextWidth)
        value = try LinearLayer(weights, "to_v", input: contextWidth)
        output = try LinearLayer(weights, "to_out.0", output: width)
        let inner = query.outputFeatures
        guard key.outputFeatures == inner, value.outputFeatures == inner, output.weight.shape[1] == inner,
              heads > 0, inner % heads == 0 else {
            throw ModelLoadingError.invalidConfiguration("attention \(weights.prefix): \(inner) features do not split into \(heads) heads")
        }
        self.heads = heads
    }

    func callAsFunction(_ input: Tensor, context: Tensor? = nil) -> Tensor {
        let source = context ?? input
        let attended = Attention.scaledDotProduct(query: query(input), key: key(source), value: value(source), heads: heads)
        return output(attended)
    }
}
