import ArgumentParser
import Foundation
@_spi(Development) import Renderer
import Tensors
import FileAccess

/// `tbd model run unet|vae-decode|vae-encode`: one network on tensors from a safetensors file, for comparison
/// with diffusers. --model is a pipeline folder (model_index.json) or the component's own folder (config.json).
struct NetworkRunOptions: ParsableArguments {
    @Option(name: .long, help: "A diffusers pipeline folder, or the component's folder.")
    var model: String
    @Option(name: .long, help: "Input safetensors file.")
    var inputs: String
    @Option(name: .long, help: "Output safetensors file.")
    var out: String
    @OptionGroup var output: JSONOption

    func componentDirectory(_ name: String) throws -> URL {
        let root = URL(fileURLWithPath: model)
        if FileManager.default.fileExists(atPath: root.appendingPathComponent("model_index.json").path) {
            return try DiffusersModelFolder(root: root).component(name).directory
        }
        return root
    }

    func inputTensors(_ names: [String]) throws -> [String: Tensor] {
        try Self.inputTensors(names, from: inputs)
    }

    /// The tensors of NAMES that the safetensors file INPUTS holds; a NaN or infinity is refused, naming the tensor.
    static func inputTensors(_ names: [String], from inputs: String) throws -> [String: Tensor] {
        do {
            let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: inputs))
            var tensors: [String: Tensor] = [:]
            for name in names where file.entries[name] != nil { tensors[name] = try file.tensor(named: name) }
            if let bad = tensors.keys.sorted().first(where: { !tensors[$0]!.isFinite }) {
                throw CLIError("tensor \(bad) holds NaN or infinite values")
            }
            return tensors
        } catch {
            // A file that cannot be opened is named by the error already; a bad header or tensor is not.
            if case SafeTensorsError.unreadable = error { throw error }
            throw CLIError("cannot read \(inputs): \(error)")
        }
    }

    func finish(_ tensors: [String: Tensor], started: Date) throws {
        try Self.finish(tensors, metadata: ["model": model, "inputs": inputs], out: out, json: output.json, started: started)
    }

    /// Writes TENSORS to OUT with METADATA and reports what was written.
    static func finish(_ tensors: [String: Tensor], metadata: [String: String], out: String, json: Bool, started: Date) throws {
        do {
            try SafeTensorsWriter.write(tensors: tensors, metadata: metadata, toPath: out)
        } catch {
            throw CLIError(error is OutputFileError ? "\(error)" : "cannot write \(out): \(error)")
        }
        let view = NetworkRunView(out: URL(fileURLWithPath: out).path,
                                  shapes: tensors.mapValues(\.shape), seconds: Date().timeIntervalSince(started))
        if json {
            try printJSON(view)
        } else {
            let shapes = view.shapes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("wrote \(view.out): \(shapes), \(String(format: "%.3f", view.seconds)) s")
        }
    }
}

private struct NetworkRunView: Encodable {
    let out: String
    let shapes: [String: [Int]]
    let seconds: Double
}

extension ModelCommand {
    struct UNetRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unet",
            abstract: "Run the UNet: inputs sample [N, 4, h, w], timesteps [1 or N], encoder_hidden_states [N, 77, D]; writes out.")

        @OptionGroup var options: NetworkRunOptions

        func run() throws {
            let inputs = try options.inputTensors(["sample", "timesteps", "encoder_hidden_states"])
            guard let sample = inputs["sample"], let timesteps = inputs["timesteps"], let context = inputs["encoder_hidden_states"] else {
                throw CLIError("\(options.inputs) must hold sample, timesteps and encoder_hidden_states")
            }
            let started = Date()
            do {
                let unet = try UNet2DConditionModel(directory: options.componentDirectory("unet"))
                let result = try unet(sample, timesteps: timesteps.scalars, context: context)
                try options.finish(["out": result], started: started)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("UNet failed: \(error)")
            }
        }
    }

    struct VAEDecodeRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vae-decode",
            abstract: "Decode latents with the VAE: input latents [N, 4, h, w], unscaled as diffusers' vae.decode takes them; writes sample.")

        @OptionGroup var options: NetworkRunOptions

        func run() throws {
            guard let latents = try options.inputTensors(["latents"])["latents"] else {
                throw CLIError("\(options.inputs) must hold latents")
            }
            let started = Date()
            do {
                let vae = try AutoencoderKL(directory: options.componentDirectory("vae"))
                try options.finish(["sample": try vae.decodeRaw(latents)], started: started)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("VAE decoder failed: \(error)")
            }
        }
    }

    struct VAEEncodeRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vae-encode",
            abstract: "Encode images [N, 3, H, W] in [-1, 1] with the VAE; writes latent_mean and latents (mean x scaling factor).")

        @OptionGroup var options: NetworkRunOptions

        func run() throws {
            guard let images = try options.inputTensors(["images"])["images"] else {
                throw CLIError("\(options.inputs) must hold images")
            }
            let started = Date()
            do {
                let vae = try AutoencoderKL(directory: options.componentDirectory("vae"))
                let mean = try vae.latentMean(images)
                try options.finish(["latent_mean": mean, "latents": try vae.encode(images)], started: started)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("VAE encoder failed: \(error)")
            }
        }
    }

    struct TalkingUNetRun: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "talking-unet",
            abstract: "Run the talking-head denoiser with its ReferenceNet; writes out [1, 4, F, h, w].",
            discussion: """
                --model is a talking checkpoint. Inputs: sample [1, 4, F, h, w], timesteps [1], encoder_hidden_states \
                [1, L, D], audio_tokens [1, F, N, D_a], reference_latents [R, 4, h, w] (reference first, then motion \
                frames; the ReferenceNet runs on them at t = 0 with the same encoder_hidden_states), and optionally \
                full_mask, face_mask, lip_mask [h, w] (default: ones).
                """)

        @OptionGroup var options: NetworkRunOptions

        func run() throws {
            let names = ["sample", "timesteps", "encoder_hidden_states", "audio_tokens", "reference_latents", "full_mask", "face_mask", "lip_mask"]
            let inputs = try options.inputTensors(names)
            guard let sample = inputs["sample"], let timesteps = inputs["timesteps"], let text = inputs["encoder_hidden_states"],
                  let audio = inputs["audio_tokens"], let referenceLatents = inputs["reference_latents"] else {
                throw CLIError("\(options.inputs) must hold sample, timesteps, encoder_hidden_states, audio_tokens and reference_latents")
            }
            guard timesteps.count == 1 else { throw CLIError("timesteps must hold one value, not \(timesteps.shape)") }
            let maskNames = ["full_mask", "face_mask", "lip_mask"]
            let masks: AudioMasks?
            switch maskNames.compactMap({ inputs[$0] }).count {
            case 0: masks = nil
            case 3: masks = AudioMasks(full: inputs["full_mask"]!, face: inputs["face_mask"]!, lip: inputs["lip_mask"]!)
            default: throw CLIError("\(options.inputs) must hold all of full_mask, face_mask and lip_mask, or none")
            }
            let started = Date()
            do {
                let checkpoint = try TalkingHeadCheckpoint(directory: URL(fileURLWithPath: options.model))
                let bank = try checkpoint.referenceNet().bank(latents: referenceLatents, text: text)
                let unet = try checkpoint.videoUNet()
                let result = try unet(sample, timestep: timesteps.scalars[0], text: text, audio: audio, reference: bank,
                                      referenceRows: Array(repeating: true, count: sample.shape.first ?? 0), masks: masks)
                try options.finish(["out": result], started: started)
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("talking denoiser failed: \(error)")
            }
        }
    }
}
