/// Zero padding of a video tensor [N, C, T, H, W] on each of its six sides, as `F.pad(x, (left, right, top, bottom,
/// front, back))` pads it.
package struct Padding3D: Equatable, Sendable {
    package var front, back, top, bottom, left, right: Int

    package init(front: Int = 0, back: Int = 0, top: Int = 0, bottom: Int = 0, left: Int = 0, right: Int = 0) {
        precondition([front, back, top, bottom, left, right].allSatisfy { $0 >= 0 }, "padding must not be negative")
        (self.front, self.back, self.top, self.bottom, self.left, self.right) = (front, back, top, bottom, left, right)
    }

    package static let none = Padding3D()

    /// TensorFlow's "SAME" padding for a window of KERNEL moved by STRIDE over SIZE (time, height, width): the output
    /// has ceil(size / stride) positions, and the padding that takes is split with the smaller half in front. An
    /// input that the stride divides pads kernel - stride, another kernel - size % stride (never below zero).
    package static func tensorFlowSame(size: (Int, Int, Int), kernel: (Int, Int, Int), stride: (Int, Int, Int)) -> Padding3D {
        func split(_ size: Int, _ kernel: Int, _ stride: Int) -> (Int, Int) {
            let total = size % stride == 0 ? max(kernel - stride, 0) : max(kernel - size % stride, 0)
            return (total / 2, total - total / 2)
        }
        let time = split(size.0, kernel.0, stride.0), height = split(size.1, kernel.1, stride.1)
        let width = split(size.2, kernel.2, stride.2)
        return Padding3D(front: time.0, back: time.1, top: height.0, bottom: height.1, left: width.0, right: width.1)
    }
}
