import Foundation

/// diffusers' `Attention` projections around scaled dot-product attention: `to_q`, `to_k`, `to_v` and `to_out.0`
/// on token tensors [N, L, C]. Keys and values come from `context` (cross-attention) or the input itself.
struct AttentionLayer {
    let query: LinearLayer
    let key: LinearLayer
    let value: LinearLayer
    let output: LinearLayer
    let heads: Int

    /// The UNet's projections have no bias on queries, keys and values; the VAE's do.
    init(_ weights: WeightReader, width: Int, contextWidth: Int, heads: Int, projectionBias: Bool) throws {
        guard heads > 0, width % heads == 0 else {
            throw ModelLoadingError.invalidConfiguration("attention \(weights.prefix): \(width) features do not split into \(heads) heads")
        }
        query = try LinearLayer(weights, "to_q", input: width, output: width, bias: projectionBias)
        key = try LinearLayer(weights, "to_k", input: contextWidth, output: width, bias: projectionBias)
        value = try LinearLayer(weights, "to_v", input: contextWidth, output: width, bias: projectionBias)
        output = try LinearLayer(weights, "to_out.0", input: width, output: width)
        self.heads = heads
    }

    func callAsFunction(_ input: Tensor, context: Tensor? = nil) -> Tensor {
        let source = context ?? input
        let attended = Attention.scaledDotProduct(query: query(input), key: key(source), value: value(source), heads: heads)
        return output(attended)
    }
}
