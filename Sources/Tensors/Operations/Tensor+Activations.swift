import Foundation

extension Tensor {
    /// max(x, 0), `F.relu`.
    package func relu() -> Tensor { map { $0 > 0 ? $0 : 0 } }

    /// x * sigmoid(x), also called swish. The sigmoids use the vectorisable exponential (relative error under
    /// 1e-6; at large |x| the result still goes to x or 0).
    public func silu() -> Tensor { sigmoidGated(slope: 1) }

    /// The exact GELU, x * Phi(x) with the error function (PyTorch's default `approximate="none"`), through the
    /// vectorisable form `gaussianErrorLinearUnit` (absolute error of erf under 1.5e-7).
    public func gelu() -> Tensor {
        scalars.withUnsafeBufferPointer { buffer in
            guard let input = buffer.baseAddress else { return self }
            return Tensor(shape: shape) { output in
                concurrentChunks(count: buffer.count) { range in
                    for index in range { output[index] = gaussianErrorLinearUnit(input[index]) }
                }
            }
        }
    }

    /// GELU's sigmoid approximation x * sigmoid(1.702 x), used by OpenAI's CLIP.
    public func quickGELU() -> Tensor { sigmoidGated(slope: 1.702) }

    /// x * sigmoid(slope * x) with the loop written out rather than passed to `map` as a closure, so the
    /// compiler vectorises it (a per-element closure call made this 5% of the text encoder's time).
    private func sigmoidGated(slope: Float) -> Tensor {
        scalars.withUnsafeBufferPointer { buffer in
            guard let input = buffer.baseAddress else { return self }
            return Tensor(shape: shape) { output in
                concurrentChunks(count: buffer.count) { range in
                    for index in range {
                        let x = input[index]
                        output[index] = x / (1 + exponential(-slope * x))
                    }
                }
            }
        }
    }

    /// The gated GELU of the transformer feed-forward in diffusion UNets: the last dimension holds
    /// [value, gate]; the result is value * gelu(gate).
    /// One pass over each row, with the vectorisable GELU (`gaussianErrorLinearUnit`): splitting the halves and
    /// calling `erff` per element made this 5% of a UNet evaluation.
    public func geglu() -> Tensor {
        precondition(lastDimension % 2 == 0, "geglu takes an even last dimension, got \(shape)")
        let width = lastDimension / 2
        let rows = rowCount
        guard width > 0, rows > 0 else { return Tensor(zeros: Array(shape.dropLast()) + [width]) }
        return scalars.withUnsafeBufferPointer { input in
            let inBase = input.baseAddress!
            return Tensor(shape: Array(shape.dropLast()) + [width]) { outBase in
                concurrentChunks(count: rows, minimumChunk: max(1, 16_384 / width)) { range in
                    for row in range {
                        let values = inBase + row * 2 * width, gates = values + width, out = outBase + row * width
                        for index in 0..<width { out[index] = values[index] * gaussianErrorLinearUnit(gates[index]) }
                    }
                }
            }
        }
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
