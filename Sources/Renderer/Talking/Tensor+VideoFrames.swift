import Tensors

extension Tensor {
    /// Frame `index` of a video tensor [1, C, F, H, W] as an image tensor [1, C, H, W].
    func videoFrame(_ index: Int) -> Tensor {
        let (channels, frames, plane) = (shape[1], shape[2], shape[3] * shape[4])
        var values = [Float]()
        values.reserveCapacity(channels * plane)
        for channel in 0..<channels {
            let start = (channel * frames + index) * plane
            values += scalars[start..<(start + plane)]
        }
        return Tensor(shape: [1, channels, shape[3], shape[4]], scalars: values)
    }
}
