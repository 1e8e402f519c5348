extension Tensor {
    /// True when no scalar is NaN or infinite. One pass, stopping at the first bad value.
    public var isFinite: Bool {
        scalars.withUnsafeBufferPointer { buffer in !buffer.contains { !$0.isFinite } }
    }
}
