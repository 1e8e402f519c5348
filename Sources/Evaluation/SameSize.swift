import MediaIO

/// The check both full-reference metrics make first (scikit-image's `check_shape_equality`).
enum SameSize {
    static func check(_ reference: RGBImage, _ generated: RGBImage) throws {
        guard reference.width == generated.width, reference.height == generated.height else {
            throw EvaluationError(
                "the frames differ in size: reference \(reference.width)x\(reference.height), generated \(generated.width)x\(generated.height)")
        }
        guard reference.pixels.count == reference.width * reference.height * 3, generated.pixels.count == reference.pixels.count else {
            throw EvaluationError("a frame's pixel buffer does not hold width x height RGB pixels")
        }
        guard reference.width > 0, reference.height > 0 else { throw EvaluationError("the frames are empty (0 pixels)") }
    }
}
