import MediaIO

/// The 8-bit grey picture Pillow's `Image.convert("L")` makes of an RGB one: ITU-R 601-2 luma in 16-bit fixed
/// point, rounded (`L24` in Pillow's Convert.c: (R·19595 + G·38470 + B·7471 + 0x8000) >> 16), which differs from
/// R·299/1000 + G·587/1000 + B·114/1000 rounded for 9,040 of the 16.7 million colours.
enum PillowLuma {
    static func plane(of image: RGBImage) -> Plane {
        var values = [Double](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { pixels in
            for index in values.indices {
                let red = UInt32(pixels[3 * index]), green = UInt32(pixels[3 * index + 1]), blue = UInt32(pixels[3 * index + 2])
                values[index] = Double((red * 19595 + green * 38470 + blue * 7471 + 0x8000) >> 16)
            }
        }
        return Plane(width: image.width, height: image.height, values: values)
    }
}
