import Foundation
import MediaIO

/// PSNR of one 8-bit RGB frame against its reference, as scikit-image 0.26's
/// `peak_signal_noise_ratio(reference, generated, data_range=255)`: 10·log10(255² / MSE), the squared error
/// averaged over every pixel and channel in float64. Identical frames give +infinity, as there.
public enum PeakSignalToNoiseRatio {
    public static func decibels(reference: RGBImage, generated: RGBImage) throws -> Double {
        try SameSize.check(reference, generated)
        var squaredError = 0.0
        for (a, b) in zip(reference.pixels, generated.pixels) {
            let difference = Double(a) - Double(b)
            squaredError += difference * difference
        }
        let meanSquaredError = squaredError / Double(reference.pixels.count)
        // 255² / 0 is +infinity in IEEE arithmetic, as NumPy computes it (with a warning there).
        return 10 * log10((255.0 * 255.0) / meanSquaredError)
    }
}
