/// A grid of sampled frames in one picture, for a quick look at a whole clip.
public enum ContactSheet {
    /// Gap between cells and around the edge, in pixels.
    static let gap = 4
    static let background: (red: UInt8, green: UInt8, blue: UInt8) = (24, 24, 24)

    /// Each frame is scaled to `cellWidth` wide (cells as tall as the tallest scaled frame), placed left to right,
    /// top to bottom, on a dark background.
    public static func make(frames: [RGBImage], columns: Int, cellWidth: Int) throws -> RGBImage {
        guard !frames.isEmpty else {
            throw MediaError(.invalidArgument, path: "", "a contact sheet needs at least one frame")
        }
        guard columns > 0, cellWidth > 0 else {
            throw MediaError(
                .invalidArgument, path: "", "columns (\(columns)) and cell width (\(cellWidth)) must be positive")
        }
        let cells = try frames.map { frame -> RGBImage in
            let valid = try frame.validated()
            let height = max(1, Int((Double(valid.height) * Double(cellWidth) / Double(valid.width)).rounded()))
            return try valid.scaled(width: cellWidth, height: height)
        }
        let usedColumns = min(columns, cells.count)
        let rows = (cells.count + usedColumns - 1) / usedColumns
        let cellHeight = cells.map(\.height).max()!
        let sheetWidth = usedColumns * cellWidth + (usedColumns + 1) * gap
        let sheetHeight = rows * cellHeight + (rows + 1) * gap
        var sheet = RGBImage(width: sheetWidth, height: sheetHeight, filledWith: background)
        for (position, cell) in cells.enumerated() {
            let left = gap + (position % usedColumns) * (cellWidth + gap)
            let top = gap + (position / usedColumns) * (cellHeight + gap) + (cellHeight - cell.height) / 2
            for row in 0..<cell.height {
                let source = row * cell.bytesPerRow
                let destination = ((top + row) * sheetWidth + left) * 3
                sheet.pixels.replaceSubrange(
                    destination..<(destination + cell.bytesPerRow), with: cell.pixels[source..<(source + cell.bytesPerRow)])
            }
        }
        return sheet
    }
}
