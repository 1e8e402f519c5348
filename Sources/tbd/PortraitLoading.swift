import CoTFA

/// Decodes and scales the portrait for sending; decoding arrives with the MediaIO module.
func loadPortrait(path: String, maxPixels: Int) throws -> PortraitImage {
    throw CLIError("sending an image needs the MediaIO decoder, which this build lacks; use --text-only")
}
