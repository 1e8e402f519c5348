import Foundation

/// Layout changes between the convolutional [N, C, H, W] form and the token form [N, H*W, C] of attention.
extension Tensor {
    /// [N, C, H, W] to [N, H*W, C].
    package func channelsLastTokens() -> Tensor {
        precondition(rank == 4, "tokens come from [N, C, H, W], got \(shape)")
        let (batch, channels, positions) = (shape[0], shape[1], shape[2] * shape[3])
        return Tensor(shape: [batch, positions, channels]) { target in
            transposePlanes(from: scalars, into: target, batch: batch, rows: channels, columns: positions)
        }
    }

    /// [N, H*W, C] back to [N, C, H, W].
    package func channelsFirstImage(height: Int, width: Int) -> Tensor {
        precondition(rank == 3 && shape[1] == height * width, "cannot fold \(shape) into \(height)x\(width)")
        let (batch, positions, channels) = (shape[0], shape[1], shape[2])
        return Tensor(shape: [batch, channels, height, width]) { target in
            transposePlanes(from: scalars, into: target, batch: batch, rows: positions, columns: channels)
        }
    }

    /// Concatenation along the channel dimension of [N, C, ...] tensors with equal other dimensions.
    package static func concatenateChannels(_ first: Tensor, _ second: Tensor) -> Tensor {
        precondition(first.rank == second.rank && first.shape[0] == second.shape[0]
                     && Array(first.shape.dropFirst(2)) == Array(second.shape.dropFirst(2)),
                     "cannot concatenate channels of \(first.shape) and \(second.shape)")
        let batch = first.shape[0]
        let firstSize = first.count / max(1, batch), secondSize = second.count / max(1, batch)
        var values = [Float]()
        values.reserveCapacity(first.count + second.count)
        for item in 0..<batch {
            values += first.scalars[item * firstSize..<(item + 1) * firstSize]
            values += second.scalars[item * secondSize..<(item + 1) * secondSize]
        }
        var newShape = first.shape
        newShape[1] += second.shape[1]
        return Tensor(shape: newShape, scalars: values)
    }

    /// Concatenation along the channel dimension of several [N, C, ...] tensors (`torch.cat(parts, 1)`).
    package static func concatenateChannels(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "nothing to concatenate")
        let batch = parts[0].shape[0]
        for part in parts {
            precondition(part.rank == parts[0].rank && part.shape[0] == batch
                         && Array(part.shape.dropFirst(2)) == Array(parts[0].shape.dropFirst(2)),
                         "cannot concatenate channels of \(parts[0].shape) and \(part.shape)")
        }
        var values = [Float]()
        values.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for item in 0..<batch {
            for part in parts {
                let size = part.count / max(1, batch)
                values += part.scalars[item * size..<(item + 1) * size]
            }
        }
        var newShape = parts[0].shape
        newShape[1] = parts.reduce(0) { $0 + $1.shape[1] }
        return Tensor(shape: newShape, scalars: values)
    }

    /// Adds a per-item, per-channel value [N, C] to every position of [N, C, H, W].
    package func addingChannelValues(_ values: Tensor) -> Tensor {
        precondition(rank == 4 && values.shape == [shape[0], shape[1]], "cannot add \(values.shape) per channel of \(shape)")
        let plane = shape[2] * shape[3]
        return scalars.withUnsafeBufferPointer { input in
            guard let inBase = input.baseAddress else { return self }
            return values.scalars.withUnsafeBufferPointer { added in
                Tensor(shape: shape) { outBase in
                    concurrentChunks(count: added.count, minimumChunk: max(1, 16_384 / max(1, plane))) { range in
                        for index in range {
                            let value = added[index]
                            let (source, target) = (inBase + index * plane, outBase + index * plane)
                            for position in 0..<plane { target[position] = source[position] + value }
                        }
                    }
                }
            }
        }
    }

    /// One row and one column of zeros after the last ones of [N, C, H, W] (PyTorch `F.pad(x, (0, 1, 0, 1))`).
    package func paddedBottomRight() -> Tensor {
        precondition(rank == 4, "padding takes [N, C, H, W]")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        var result = Tensor(zeros: [shape[0], shape[1], height + 1, width + 1])
        result.scalars.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { inp in
                for plane in 0..<planes {
                    for row in 0..<height {
                        (out.baseAddress! + (plane * (height + 1) + row) * (width + 1))
                            .update(from: inp.baseAddress! + (plane * height + row) * width, count: width)
                    }
                }
            }
        }
        return result
    }
}

/// Transposes `batch` row-major [rows, columns] matrices, a tile at a time so both sides stay in cache.
private func transposePlanes(from source: [Float], into outBase: UnsafeMutablePointer<Float>, batch: Int, rows: Int, columns: Int) {
    let tile = 32
    source.withUnsafeBufferPointer { inp in
        let inBase = inp.baseAddress!
        let plane = rows * columns
        let rowTiles = (rows + tile - 1) / tile
        concurrentChunks(count: batch * rowTiles, minimumChunk: 1) { range in
            for unit in range {
                let item = unit / rowTiles
                let rowStart = (unit % rowTiles) * tile
                let source = inBase + item * plane, target = outBase + item * plane
                for columnStart in stride(from: 0, to: columns, by: tile) {
                    for row in rowStart..<min(rows, rowStart + tile) {
                        for column in columnStart..<min(columns, columnStart + tile) {
                            target[column * rows + row] = source[row * columns + column]
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// The items `range` of the first dimension, as one tensor.
    package func batchItems(_ range: Range<Int>) -> Tensor {
        let size = count / max(1, shape[0])
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, scalars: Array(scalars[range.lowerBound * size..<range.upperBound * size]))
    }

    /// [N, L, C] followed by [1 or N, L2, C] along the tokens: [N, L + L2, C]; a single `extra` item is shared.
    package static func concatenateTokens(_ tokens: Tensor, _ extra: Tensor) -> Tensor {
        precondition(tokens.rank == 3 && extra.rank == 3 && tokens.shape[2] == extra.shape[2]
                     && (extra.shape[0] == 1 || extra.shape[0] == tokens.shape[0]),
                     "cannot append tokens \(extra.shape) to \(tokens.shape)")
        let (items, length, extraLength, width) = (tokens.shape[0], tokens.shape[1], extra.shape[1], tokens.shape[2])
        var values = [Float]()
        values.reserveCapacity(items * (length + extraLength) * width)
        for item in 0..<items {
            values += tokens.scalars[item * length * width..<(item + 1) * length * width]
            let source = extra.shape[0] == 1 ? 0 : item
            values += extra.scalars[source * extraLength * width..<(source + 1) * extraLength * width]
        }
        return Tensor(shape: [items, length + extraLength, width], scalars: values)
    }

    /// [A, X, Y, inner] to [A, Y, X, inner] (the shape given as those four sizes): frames and positions trade
    /// places, as einops' "(b f) d c -> (b d) f c" and "b c f h w -> (b f) c h w" do.
    package func swappingMiddleAxes(outer: Int, first: Int, second: Int, inner: Int) -> Tensor {
        precondition(outer * first * second * inner == count, "cannot read \(shape) as [\(outer), \(first), \(second), \(inner)]")
        var result = [Float](repeating: 0, count: count)
        result.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { inp in
                let (source, target) = (inp.baseAddress!, out.baseAddress!)
                concurrentChunks(count: outer * first, minimumChunk: max(1, 4096 / max(1, second * inner))) { range in
                    for unit in range {
                        let (a, x) = (unit / first, unit % first)
                        for y in 0..<second {
                            (target + ((a * second + y) * first + x) * inner)
                                .update(from: source + ((a * first + x) * second + y) * inner, count: inner)
                        }
                    }
                }
            }
        }
        return Tensor(shape: [outer * second * first * inner], scalars: result)
    }
}

extension Tensor {
    /// Each item of the first dimension repeated `times` times in a row: [B, ...] to [B * times, ...] (einops'
    /// "b n c -> (b f) n c").
    package func repeatingItems(_ times: Int) -> Tensor {
        let size = count / max(1, shape[0])
        var values = [Float]()
        values.reserveCapacity(count * times)
        for item in 0..<shape[0] {
            for _ in 0..<times { values += scalars[item * size..<(item + 1) * size] }
        }
        var newShape = shape
        newShape[0] *= times
        return Tensor(shape: newShape, scalars: values)
    }
}
