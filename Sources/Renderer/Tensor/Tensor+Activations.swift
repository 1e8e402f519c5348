import Foundation

extension Tensor {
    /// x * sigmoid(x), also called swish. The sigmoids use the vectorisable exponential (relative error under
    /// 1e-6; at large |x| the result still goes to x or 0).
    public func silu() -> Tensor { sigmoidGated(slope: 1) }

    /// The exact GELU, x * Phi(x) with the error function (PyTorch's default `approximate="none"`).
    public func gelu() -> Tensor { map { 0.5 * $0 * (1 + erff($0 * 0.70710678118654752)) } }

    /// GELU's sigmoid approximation x * sigmoid(1.702 x), used by OpenAI's CLIP.
    public func quickGELU() -> Tensor { sigmoidGated(slope: 1.702) }

    /// x * sigmoid(slope * x) with the loop written out rather than passed to `map` as a closure, so the
    /// compiler vectorises it (a per-element closure call made this 5% of the text encoder's time).
    private func sigmoidGated(slope: Float) -> Tensor {
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { buffer in
            let values = buffer.baseAddress!
            concurrentChunks(count: buffer.count) { range in
                for index in range {
                    let x = values[index]
                    values[index] = x / (1 + exponential(-slope * x))
                }
            }
        }
        return result
    }

    /// The gated GELU of the transformer feed-forward in diffusion UNets: the last dimension holds
    /// [value, gate]; the result is value * gelu(gate).
    public func geglu() -> Tensor {
        let halves = chunkedLastDimension(2)
        return halves[0].zip(halves[1]) { value, gate in value * 0.5 * gate * (1 + erff(gate * 0.70710678118654752)) }
    }

    /// Applies an activation named as in Hugging Face configs (`hidden_act`, `act_fn`).
    public func activation(named name: String) throws -> Tensor {
        switch name {
        case "quick_gelu": return quickGELU()
        case "gelu": return gelu()
        case "silu", "swish": return silu()
        default: throw TensorError.unsupported("activation \"\(name)\"")
        }
    }
}

public enum TensorError: Error, Equatable, CustomStringConvertible {
    case unsupported(String)
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .unsupported(let what): return "unsupported \(what)"
        case .shapeMismatch(let what): return "shape mismatch: \(what)"
        }
    }
}
