import MediaIO

/// An RGB picture split into its three channels as float64 planes, as `image[..., c].astype(np.float64)` is.
enum RGBChannels {
    static func planes(of image: RGBImage) -> [Plane] {
        (0..<3).map { channel in
            Plane(width: image.width, height: image.height, values: stride(from: channel, to: image.pixels.count, by: 3).map { Double(image.pixels[$0]) })
        }
    }
}
