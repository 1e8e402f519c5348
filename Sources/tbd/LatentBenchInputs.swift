import Foundation

/// What the latent-space benchmarks (`bench-unet`, `bench-vae`) read from their options, read one way.
enum LatentBenchInputs {
    /// `--latent 32,64` as sizes, with --batch and --repeats checked.
    static func sizes(_ latent: String, batch: Int, repeats: Int) throws -> [Int] {
        let sizes = latent.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }), batch > 0, repeats > 0 else {
            throw CLIError("--latent needs positive sizes; --batch and --repeats must be positive")
        }
        return sizes
    }

    /// MODEL's COMPONENT folder when MODEL is a whole diffusers pipeline (it has model_index.json), else MODEL.
    static func componentFolder(_ component: String, in model: String) -> URL {
        let root = URL(fileURLWithPath: model)
        return FileManager.default.fileExists(atPath: root.appendingPathComponent("model_index.json").path)
            ? root.appendingPathComponent(component) : root
    }
}
