import FaceAnalysis
import Foundation
import MediaIO
import Renderer
import Tensors

/// A reference portrait cut to a square around its one dominant face (`PortraitCrop`), scaled to the frame size,
/// with the talking head's audio masks from that face (`FaceRegionMasks`) and a picture of both for the user.
struct FramedReference {
    let crop: PortraitCrop
    let reference: RGBImage
    let masks: AudioMasks?
    /// The cropped reference with the face box, landmarks and mask regions drawn.
    let picture: RGBImage

    /// PATH names the picture in errors: a portrait without one dominant face is refused, never rendered as is.
    /// KNOWN is a face already found in this picture (the batch's, from the store): then nothing is detected.
    init(_ image: RGBImage, path: String, size: Int, masks wantsMasks: Bool, known: DetectedFace? = nil,
         detector: @autoclosure () throws -> FaceDetector) throws {
        let choice = try known.map(FaceChoice.face) ?? FaceChoice(try detector().detect(image))
        guard let face = choice.face else {
            throw RenderJobError.missingInput("the reference \(path) cannot be framed: \(choice.problem ?? "no face"); "
                + "crop it to the face yourself, or pass --crop none to use it as it is")
        }
        crop = PortraitCrop(around: face, imageWidth: image.width, imageHeight: image.height)
        reference = try crop.apply(to: image, size: size)
        let placed = crop.map(face, size: size)
        let regions = FaceRegionMasks(face: placed, imageSide: size)
        masks = wantsMasks ? try Self.audioMasks(regions) : nil
        picture = FaceOverlay.draw([placed], on: reference, masks: wantsMasks ? regions : nil)
    }

    /// Hallo's four levels (latent size, then halved three times), each mask [side, side] in 0...1.
    static func audioMasks(_ regions: FaceRegionMasks) throws -> AudioMasks {
        try AudioMasks(levels: (0..<4).map { level in
            let side = (regions.imageSide / 8) >> level
            let masks = regions.level(level)
            return (Tensor(shape: [side, side], scalars: masks.full), Tensor(shape: [side, side], scalars: masks.face),
                    Tensor(shape: [side, side], scalars: masks.lip))
        })
    }
}

/// The face detector, loaded the first time a reference is framed and kept for the rest of the job.
final class FaceDetectorOnDemand {
    private var loaded: FaceDetector?

    func detector() throws -> FaceDetector {
        if let loaded { return loaded }
        do {
            let detector = try FaceDetector()
            loaded = detector
            return detector
        } catch {
            throw RenderJobError.missingInput("\(error)")
        }
    }
}
