/// What the review picture shows: a file's reference frame, whole or cropped.
public struct ReferencePicture: Hashable, Sendable {
    public var path: String
    /// The frame to show (decoded frames from zero); nil: a clip's middle frame, a still image itself.
    public var frameIndex: Int?
    /// Nil: the whole frame.
    public var crop: PictureCrop?

    public init(path: String, frameIndex: Int? = nil, crop: PictureCrop? = nil) {
        self.path = path
        self.frameIndex = frameIndex
        self.crop = crop
    }
}
