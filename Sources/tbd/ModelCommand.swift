import ArgumentParser
import Foundation
import CLIPTokenization
@_spi(Development) import Renderer
@_spi(Development) import Tensors
import SafeText
import FileAccess

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect the renderer's models: tokenize prompts, run a converted component for checking.",
        subcommands: [Tokenize.self, Run.self, Bench.self, BenchUNet.self, BenchVAE.self, BenchAudio.self, BenchTalking.self, BenchFaces.self, InitRandom.self])
}

extension ModelCommand {
    struct Tokenize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the CLIP token ids of a prompt, as SD1.5's text encoder receives them.",
            discussion: """
                Ids are padded to 77 with <|endoftext|> (49407). The token count includes the start and end tokens \
                and is taken before truncation: a prompt fits when it is at most 77.
                """)

        @Option(name: .long, help: "The prompt.")
        var text: String
        @Option(name: .long, help: "A diffusers model folder whose tokenizer/vocab.json and merges.txt to use (default: SD1.5's, built in).")
        var model: String?
        @OptionGroup var output: JSONOption

        func run() throws {
            let tokenizer = try loadTokenizer(model)
            let count = tokenizer.tokenCount(text)
            let ids = tokenizer.encode(text)
            let tokens = tokenizer.encode(text, padded: false).map { tokenizer.tokenText($0) ?? "?" }
            if output.json {
                try printJSON(TokenizeView(ids: ids, tokenCount: count, maxLength: CLIPTokenizer.maximumLength,
                                           truncated: count > CLIPTokenizer.maximumLength, tokens: tokens))
            } else {
                print(ids.map(String.init).joined(separator: " "))
                print("tokens: " + tokens.map { TerminalText.sanitize($0).debugDescription }.joined(separator: " "))
                let verdict = count > CLIPTokenizer.maximumLength
                    ? "truncated: \(count - CLIPTokenizer.maximumLength) tokens past the limit are dropped"
                    : "fits"
                print("\(count) of \(CLIPTokenizer.maximumLength) tokens (with start and end): \(verdict)")
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one model component on an input and save its outputs, to compare with PyTorch.",
            subcommands: [TextEncoder.self, UNetRun.self, TalkingUNetRun.self, VAEDecodeRun.self, VAEEncodeRun.self, AudioEncoderRun.self, AudioProjRun.self,
                          InceptionRun.self, LPIPSRun.self, SyncNetRun.self, I3DRun.self])
    }

    struct TextEncoder: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "text-encoder",
            abstract: "Encode a prompt with a CLIP text encoder and write the hidden states as safetensors.",
            discussion: """
                DIR is a diffusers pipeline folder (model_index.json, text_encoder/, tokenizer/) or a text encoder \
                folder (config.json, model.safetensors). The output holds input_ids, last_hidden_state [1, 77, H], \
                pooled [1, H] and condition (what the UNet receives: last_hidden_state, or the --clip-skip layer).
                """)

        @Option(name: .long, help: "The model folder.")
        var model: String
        @Option(name: .long, help: "The prompt.")
        var prompt: String
        @Option(name: .long, help: "Output safetensors file.")
        var out: String
        @Option(name: .long, help: "Layers to skip from the end (diffusers' clip_skip; 1 = penultimate layer).")
        var clipSkip = 0
        @OptionGroup var output: JSONOption

        func run() throws {
            let root = URL(fileURLWithPath: model)
            let encoder: CLIPTextModel
            let tokenizer: CLIPTokenizer
            do {
                if FileManager.default.fileExists(atPath: root.appendingPathComponent("model_index.json").path) {
                    let folder = try DiffusersModelFolder(root: root)
                    encoder = try folder.textEncoder()
                    tokenizer = try folder.tokenizer()
                } else {
                    encoder = try CLIPTextModel(directory: root)
                    tokenizer = try CLIPTokenizer.bundled()
                }
            } catch {
                throw CLIError("cannot load a text encoder from \(model): \(error)")
            }
            let ids = tokenizer.encode(prompt)
            let started = Date()
            let result: CLIPTextModel.Output
            let condition: Tensor
            do {
                result = try encoder([ids])
                condition = try encoder.condition([ids], clipSkip: clipSkip)
            } catch {
                throw CLIError("text encoder failed: \(error)")
            }
            let seconds = Date().timeIntervalSince(started)
            let outURL = URL(fileURLWithPath: out)
            do {
                try SafeTensorsWriter.write(
                    tensors: ["input_ids": Tensor(shape: [1, ids.count], scalars: ids.map(Float.init)),
                              "last_hidden_state": result.lastHiddenState, "pooled": result.pooled, "condition": condition],
                    metadata: ["prompt": prompt, "clip_skip": String(clipSkip), "model": model],
                    toPath: out)
            } catch {
                throw CLIError(error is OutputFileError ? "\(error)" : "cannot write \(out): \(error)")
            }
            let view = TextEncoderRunView(out: outURL.path, shape: result.lastHiddenState.shape,
                                          tokenCount: tokenizer.tokenCount(prompt), clipSkip: clipSkip, seconds: seconds)
            if output.json {
                try printJSON(view)
            } else {
                print("wrote \(view.out): last_hidden_state \(view.shape), \(view.tokenCount) tokens, \(String(format: "%.3f", seconds)) s")
            }
        }
    }
}

extension ModelCommand {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the renderer's sgemm-bound operations (GFLOP/s) and optionally a text encoder.",
            discussion: "Used by scripts/bench/50-renderer.sh; build with -c release for meaningful figures.")

        @Option(name: .long, help: "A text encoder folder (config.json, model.safetensors) or diffusers folder to time.")
        var model: String?
        @Option(name: .long, help: "Runs per figure (the median is reported).")
        var repeats = 5
        @Option(name: .long, help: "Only the operations whose name contains this text (the sgemm peak always runs).")
        var filter: String?
        @OptionGroup var output: JSONOption

        func run() throws {
            var results = OperationBenchmarks.operations(repeats: repeats, matching: filter)
            if let model {
                let root = URL(fileURLWithPath: model)
                do {
                    let isPipeline = FileManager.default.fileExists(atPath: root.appendingPathComponent("model_index.json").path)
                    let encoder = try isPipeline ? DiffusersModelFolder(root: root).textEncoder() : CLIPTextModel(directory: root)
                    results.append(try OperationBenchmarks.textEncoder(encoder, tokenizer: CLIPTokenizer.bundled(), repeats: repeats))
                } catch {
                    throw CLIError("cannot time the text encoder in \(model): \(error)")
                }
            }
            if output.json {
                try printJSON(BenchView(blasThreads: BLASThreads.count, caches: CPUCaches.describe(), results: results))
            } else {
                print("OpenBLAS threads: \(BLASThreads.count); caches the kernels' blocks derive from: \(CPUCaches.describe())")
                for result in results {
                    let name = result.name.padding(toLength: 52, withPad: " ", startingAt: 0)
                    print(name + String(format: "%9.4f s %8.1f GFLOP/s", result.seconds, result.gflopsPerSecond))
                }
            }
        }
    }
}

private struct BenchView: Encodable {
    let blasThreads: Int
    /// The cache sizes the kernels read (`CPUCaches`), as text.
    let caches: String
    let results: [OperationBenchmarks.Result]
}

private struct TokenizeView: Encodable {
    let ids: [Int]
    let tokenCount: Int
    let maxLength: Int
    let truncated: Bool
    let tokens: [String]
}

private struct TextEncoderRunView: Encodable {
    let out: String
    let shape: [Int]
    let tokenCount: Int
    let clipSkip: Int
    let seconds: Double
}

private func loadTokenizer(_ model: String?) throws -> CLIPTokenizer {
    do {
        guard let model else { return try CLIPTokenizer.bundled() }
        return try DiffusersModelFolder(root: URL(fileURLWithPath: model)).tokenizer()
    } catch {
        throw CLIError("cannot load the tokenizer: \(error)")
    }
}
