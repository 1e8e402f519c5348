extension RGBImage {
    /// Resamples to an exact size with libswscale: area averaging when shrinking, bicubic when enlarging.
    public func scaled(width: Int, height: Int) throws -> RGBImage {
        _ = try validated()
        guard width > 0, height > 0 else {
            throw MediaError(.invalidArgument, path: "", "target size \(width)x\(height) must be positive")
        }
        if width == self.width, height == self.height { return self }
        return try PixelConversion.scale(self, width: width, height: height)
    }

    /// Shrinks, keeping the aspect ratio, until the picture has at most `maxPixels` pixels; never enlarges.
    public func scaledToFit(maxPixels: Int) throws -> RGBImage {
        _ = try validated()
        guard maxPixels > 0 else {
            throw MediaError(.invalidArgument, path: "", "pixel budget \(maxPixels) must be positive")
        }
        guard width * height > maxPixels else { return self }
        let factor = (Double(maxPixels) / Double(width * height)).squareRoot()
        var newWidth = max(1, Int((Double(width) * factor).rounded(.down)))
        var newHeight = max(1, Int((Double(height) * factor).rounded(.down)))
        // Rounding can still leave one row too many for very thin pictures.
        while newWidth * newHeight > maxPixels {
            if newWidth >= newHeight, newWidth > 1 { newWidth -= 1 } else if newHeight > 1 { newHeight -= 1 } else { break }
        }
        return try scaled(width: newWidth, height: newHeight)
    }

    /// Copies the picture into a larger canvas, repeating the last column and row into the new space.
    /// Video encoders need even sizes; edge repetition keeps every original pixel and adds no visible border.
    func paddedByRepeatingEdges(toWidth newWidth: Int, height newHeight: Int) -> RGBImage {
        if newWidth == width, newHeight == height { return self }
        var output = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        for row in 0..<newHeight {
            let sourceRow = min(row, height - 1)
            let sourceStart = sourceRow * width * 3
            let destinationStart = row * newWidth * 3
            output.replaceSubrange(
                destinationStart..<(destinationStart + width * 3), with: pixels[sourceStart..<(sourceStart + width * 3)])
            let last = sourceStart + (width - 1) * 3
            for column in width..<newWidth {
                let offset = destinationStart + column * 3
                output[offset] = pixels[last]
                output[offset + 1] = pixels[last + 1]
                output[offset + 2] = pixels[last + 2]
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: output)
    }
}
