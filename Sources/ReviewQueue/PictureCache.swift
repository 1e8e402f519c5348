import Store
import Foundation
import MediaIO

/// Reference-frame pictures decoded off the screen's thread, so moving between items never waits on a decoder.
final class PictureCache: @unchecked Sendable {
    private let decoder: ReferenceFrameDecoder
    private let color: TerminalColorSupport
    private let onReady: @Sendable () -> Void
    private let queue = DispatchQueue(label: "tbd.review.pictures")
    private let lock = NSLock()
    /// Rows per picture and size; an empty array records a file that could not be decoded, so it is not tried again.
    private var rowsByKey: [Key: [String]] = [:]
    private var requested: Set<Key> = []
    private var pngByKey: [Key: Data] = [:]

    /// A picture (file, frame, crop) at a size: a face crop and the whole frame are different pictures.
    private struct Key: Hashable {
        var picture: ReferencePicture
        var columns: Int
        var rows: Int
        var png: Bool
    }

    init(decoder: ReferenceFrameDecoder, color: TerminalColorSupport, onReady: @escaping @Sendable () -> Void) {
        self.decoder = decoder
        self.color = color
        self.onReady = onReady
    }

    /// The frame as a PNG of at most `side` x `side` pixels, for terminals that show real pictures; nil until
    /// decoded (decoding starts on the first call) or when the file does not decode.
    func png(for picture: ReferencePicture?, side: Int) -> Data? {
        guard let picture, PictureSource.isPicture(path: picture.path) else { return nil }
        let key = Key(picture: picture, columns: side, rows: side, png: true)
        lock.lock()
        defer { lock.unlock() }
        if let stored = pngByKey[key] { return stored.isEmpty ? nil : stored }
        if requested.insert(key).inserted {
            queue.async { [self] in
                let pixels = try? decoder.decodeFrame(picture, width: side, height: side)
                let data = pixels.flatMap { try? ImageEncoding.png(RGBImage(width: $0.width, height: $0.height, pixels: $0.bytes)) } ?? Data()
                lock.lock()
                pngByKey[key] = data
                lock.unlock()
                onReady()
            }
        }
        return nil
    }

    /// The rows at `columns` x `rows` cells when decoded; otherwise starts decoding and returns nil. A resize
    /// asks for a new size, decoded anew.
    func rows(for picture: ReferencePicture?, columns: Int, rows cellRows: Int) -> [String]? {
        guard color != .none, let picture, PictureSource.isPicture(path: picture.path) else { return nil }
        let key = Key(picture: picture, columns: columns, rows: cellRows, png: false)
        lock.lock()
        defer { lock.unlock() }
        if let rows = rowsByKey[key] { return rows.isEmpty ? nil : rows }
        if requested.insert(key).inserted {
            queue.async { [self] in
                let pixels = try? decoder.decodeFrame(picture, width: columns, height: cellRows * 2)
                let rows = pixels.map { HalfBlockPicture.rows($0, color: color) } ?? []
                lock.lock()
                rowsByKey[key] = rows
                lock.unlock()
                onReady()
            }
        }
        return nil
    }
}
