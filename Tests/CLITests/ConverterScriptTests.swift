import Foundation
import TestSupport
import XCTest

/// The checkpoint converters refuse bad input without deleting anything they did not make, and write what they
/// read. convert-hallo.py's refusals below come before torch is imported, so plain python3 runs them; the tests in
/// the extension run the converters with torch.
final class ConverterScriptTests: XCTestCase {
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/convert-hallo.py").standardized

    private func convert(_ arguments: [String], in folder: URL) throws -> ProgramRun {
        try BuiltProgram.run(executable: URL(fileURLWithPath: "/usr/bin/env"), ["python3", Self.script.path] + arguments, in: folder)
    }

    func testARefusedConversionLeavesSomeonesPartialFolderAlone() throws {
        let folder = try makeTemporaryFolder("tbd-convert")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A folder of someone's notes that happens to carry the name the converter once used for its own work.
        let notes = folder.appendingPathComponent("talking.partial")
        try FileManager.default.createDirectory(at: notes, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: notes.appendingPathComponent("notes.txt"))
        let missing = try convert(["--pretrained", folder.appendingPathComponent("nowhere").path,
                                   "--out", folder.appendingPathComponent("talking").path], in: folder)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("missing folder"), missing.stderr)
        let occupied = folder.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: occupied.appendingPathComponent("file"))
        let full = try convert(["--pretrained", folder.path, "--out", occupied.path], in: folder)
        XCTAssertNotEqual(full.status, 0)
        XCTAssertTrue(full.stderr.contains("exists and is not empty"), full.stderr)
        XCTAssertEqual(try String(contentsOf: notes.appendingPathComponent("notes.txt"), encoding: .utf8), "keep me")
        XCTAssertEqual(try String(contentsOf: occupied.appendingPathComponent("file"), encoding: .utf8), "mine")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["occupied", "talking.partial"],
                       "no folder of the converter's own is left behind")
    }
}

// MARK: - The converters run with torch

/// These tests run the converters for real, with `.venv-scripts` (scripts/requirements-scripts.txt), which
/// `make test` creates with scripts/python-env.sh. Inputs are tiny state dicts made by the same environment.
extension ConverterScriptTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized
    private static let scripts = root.appendingPathComponent("scripts")

    /// Python that every program below starts with: `summary(tensor)` is how a tensor is compared, by dtype, shape
    /// and the SHA-256 of its bytes (equal hashes: equal values), with whether it is finite and all zero.
    private static let summaryPython = #"""
    import hashlib, json, os, sys
    import torch

    def summary(tensor):
        tensor = tensor.detach().contiguous()
        return {"dtype": str(tensor.dtype).removeprefix("torch."), "shape": list(tensor.shape),
                "sha256": hashlib.sha256(tensor.numpy().tobytes()).hexdigest(),
                "finite": bool(tensor.isfinite().all()), "zero": bool((tensor == 0).all())}

    def summaries(state):
        return {name: summary(tensor) for name, tensor in state.items()}

    """#

    /// Every safetensors file under the folder argv[1], by path relative to it: its tensors' summaries.
    private static let describePython = summaryPython + #"""
    from safetensors.torch import load_file
    written = {}
    for folder, _, names in os.walk(sys.argv[1]):
        for name in names:
            if name.endswith(".safetensors"):
                path = os.path.join(folder, name)
                written[os.path.relpath(path, sys.argv[1])] = summaries(load_file(path))
    print(json.dumps(written))
    """#

    /// The environment's interpreter. Missing, the test fails rather than skips: `make test` creates it, so a
    /// missing one means the tests are run by hand before the environment was made.
    private func scriptsPython() throws -> URL {
        let python = Self.root.appendingPathComponent(".venv-scripts/bin/python")
        return try XCTUnwrap(FileManager.default.isExecutableFile(atPath: python.path) ? python : nil,
                             "\(python.path) is missing: run `bash scripts/python-env.sh` (make test does) to create .venv-scripts")
    }

    /// Runs the environment's python; no bytecode is written into scripts/, and torch keeps to one thread on a
    /// shared machine.
    private func python(_ arguments: [String], in folder: URL) throws -> ProgramRun {
        try BuiltProgram.run(executable: scriptsPython(), arguments, in: folder,
                             environment: ["PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1"])
    }

    /// Runs a python program that must succeed and print JSON, and returns that JSON.
    private func pythonJSON(_ program: String, _ arguments: [String], in folder: URL) throws -> [String: Any] {
        let run = try python(["-c", program] + arguments, in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        return try XCTUnwrap(run.jsonObject, "not JSON: \(run.stdout.prefix(500)) \(run.stderr)")
    }

    /// What the safetensors files under FOLDER hold: file (relative path) -> tensor name -> its summary.
    private func written(_ folder: URL, in work: URL) throws -> [String: [String: [String: Any]]] {
        try XCTUnwrap(pythonJSON(Self.describePython, [folder.path], in: work) as? [String: [String: [String: Any]]])
    }

    private func convertAudio(_ arguments: [String], in folder: URL) throws -> ProgramRun {
        try python([Self.scripts.appendingPathComponent("convert-audio-checkpoints.py").path] + arguments, in: folder)
    }

    /// The regular files under FOLDER, as sorted relative paths.
    private func files(under folder: URL) -> [String] {
        let prefix = folder.resolvingSymlinksInPath().path + "/"
        var found: [String] = []
        let walk = FileManager.default.enumerator(at: folder.resolvingSymlinksInPath(), includingPropertiesForKeys: [.isRegularFileKey])
        while let url = walk?.nextObject() as? URL {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                found.append(String(url.resolvingSymlinksInPath().path.dropFirst(prefix.count)))
            }
        }
        return found.sorted()
    }

    /// wav2vec: every tensor keeps its name, shape, dtype and bytes (a transposed, non-contiguous one and an F16 one
    /// included), and both configs are copied as they are.
    func testAudioConverterKeepsEveryWav2vecTensorAndConfig() throws {
        let folder = try makeTemporaryFolder("tbd-convert-audio")
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = try pythonJSON(Self.summaryPython + #"""
        source = os.path.join(sys.argv[1], "w2v")
        os.makedirs(source)
        torch.manual_seed(0)
        state = {"feature_projection.projection.weight": torch.randn(3, 2).t(),
                 "encoder.pos_conv_embed.conv.bias": torch.randn(4).half(),
                 "masked_spec_embed": torch.rand(5)}
        assert not state["feature_projection.projection.weight"].is_contiguous()
        torch.save(state, os.path.join(source, "pytorch_model.bin"))
        for name, value in [("config.json", {"hidden_size": 2}), ("preprocessor_config.json", {"sampling_rate": 16000})]:
            with open(os.path.join(source, name), "w") as handle:
                json.dump(value, handle)
        print(json.dumps(summaries(state)))
        """#, [folder.path], in: folder)
        let run = try convertAudio(["wav2vec", "w2v", "out"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let out = folder.appendingPathComponent("out")
        XCTAssertEqual(files(under: out), ["config.json", "model.safetensors", "preprocessor_config.json"])
        for name in ["config.json", "preprocessor_config.json"] {
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent(name)),
                           try Data(contentsOf: folder.appendingPathComponent("w2v/\(name)")), name)
        }
        let tensors = try XCTUnwrap(written(out, in: folder)["model.safetensors"])
        XCTAssertEqual(tensors as NSDictionary, expected as NSDictionary)
        XCTAssertEqual(tensors["encoder.pos_conv_embed.conv.bias"]?["dtype"] as? String, "float16")
    }

    /// hallo-audio-proj: only the `audioproj.` tensors, without the prefix and unchanged, and a config whose sizes
    /// are read off them (channels = proj1's input width / (5 x 12)).
    func testAudioConverterTakesHallosAudioProjectionOutOfNetPth() throws {
        let folder = try makeTemporaryFolder("tbd-convert-audio")
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = try pythonJSON(Self.summaryPython + #"""
        torch.manual_seed(0)
        projection = {"proj1.weight": torch.randn(4, 5 * 12 * 2), "proj1.bias": torch.randn(4),
                      "proj2.weight": torch.randn(4, 4), "proj2.bias": torch.randn(4),
                      "proj3.weight": torch.randn(2 * 3, 4), "proj3.bias": torch.randn(2 * 3),
                      "norm.weight": torch.rand(3) + 0.5, "norm.bias": torch.randn(3)}
        net = {"audioproj." + name: tensor for name, tensor in projection.items()}
        net["denoising_unet.conv_in.weight"] = torch.randn(2, 2)  # the rest of net.pth, which is not taken
        torch.save(net, os.path.join(sys.argv[1], "net.pth"))
        print(json.dumps(summaries(projection)))
        """#, [folder.path], in: folder)
        let run = try convertAudio(["hallo-audio-proj", "net.pth", "out"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let out = folder.appendingPathComponent("out")
        XCTAssertEqual(files(under: out), ["config.json", "model.safetensors"])
        XCTAssertEqual(try written(out, in: folder)["model.safetensors"] as NSDictionary?, expected as NSDictionary)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Int])
        XCTAssertEqual(config, ["seq_len": 5, "blocks": 12, "channels": 2, "intermediate_dim": 4, "output_dim": 3, "context_tokens": 2])
    }

    /// A pickle that needs code to unpack (a `posix.system` call that would leave a marker file) is refused with an
    /// error naming it, in both modes, before anything is written; and a non-empty target folder is refused, so a
    /// conversion never overwrites someone's files.
    func testAudioConverterRefusesAPickleThatWouldRunCodeAndLeavesNothing() throws {
        let folder = try makeTemporaryFolder("tbd-convert-audio")
        defer { try? FileManager.default.removeItem(at: folder) }
        let marker = folder.appendingPathComponent("the-pickle-ran")
        let made = try python(["-c", Self.summaryPython + #"""
        import shlex

        class RunsACommand:
            def __reduce__(self):
                return (os.system, ("touch " + shlex.quote(sys.argv[2]),))

        source = os.path.join(sys.argv[1], "w2v")
        os.makedirs(source)
        with open(os.path.join(source, "config.json"), "w") as handle:
            json.dump({"hidden_size": 2}, handle)
        torch.save({"masked_spec_embed": RunsACommand()}, os.path.join(source, "pytorch_model.bin"))
        torch.save({"audioproj.proj1.weight": RunsACommand()}, os.path.join(sys.argv[1], "net.pth"))
        """#, folder.path, marker.path], in: folder)
        XCTAssertEqual(made.status, 0, made.stderr)
        let before = files(under: folder)

        let wav2vec = try convertAudio(["wav2vec", "w2v", "out-w2v"], in: folder)
        XCTAssertNotEqual(wav2vec.status, 0)
        XCTAssertTrue(wav2vec.stderr.contains("w2v/pytorch_model.bin cannot be read as plain tensors"), wav2vec.stderr)
        XCTAssertTrue(wav2vec.stderr.contains("would run code"), wav2vec.stderr)
        let projection = try convertAudio(["hallo-audio-proj", "net.pth", "out-proj"], in: folder)
        XCTAssertNotEqual(projection.status, 0)
        XCTAssertTrue(projection.stderr.contains("net.pth cannot be read as plain tensors"), projection.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "the pickle's code ran")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out-w2v").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out-proj").path))
        XCTAssertEqual(files(under: folder), before, "a refused conversion leaves no file or folder of its own")

        // A folder that holds someone's files is not a target, even with a readable source.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("w2v/pytorch_model.bin"))
        let saved = try python(["-c", "import torch, sys; torch.save({'w': torch.ones(2)}, sys.argv[1])", "w2v/pytorch_model.bin"], in: folder)
        XCTAssertEqual(saved.status, 0, saved.stderr)
        let occupied = folder.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: occupied.appendingPathComponent("model.safetensors"))
        let full = try convertAudio(["wav2vec", "w2v", "occupied"], in: folder)
        XCTAssertNotEqual(full.status, 0)
        XCTAssertTrue(full.stderr.contains("occupied exists and is not empty"), full.stderr)
        XCTAssertEqual(files(under: occupied), ["model.safetensors"])
        XCTAssertEqual(try String(contentsOf: occupied.appendingPathComponent("model.safetensors"), encoding: .utf8), "mine")
    }

    /// --init-from-components without hallo/net.pth, on a tiny SD1.5-shaped UNet (4 levels of 8 channels), a motion
    /// checkpoint without its positional tables, and small wav2vec, VAE, text encoder and tokenizer folders. The
    /// motion tensors' names come from the converter's own shape table, which is Hallo's layout; what is checked is
    /// where every input tensor ends up, unchanged, and what the converter creates itself.
    func testInitFromComponentsWithoutNetPthWritesACompleteCheckpoint() throws {
        let folder = try makeTemporaryFolder("tbd-convert-init")
        defer { try? FileManager.default.removeItem(at: folder) }
        let pretrained = folder.appendingPathComponent("pretrained_models")
        let inputs = try pythonJSON(Self.summaryPython + #"""
        import importlib.util
        from diffusers import UNet2DConditionModel
        from safetensors.torch import save_file

        root, scripts = sys.argv[1], sys.argv[2]
        sys.path.insert(0, scripts)
        spec = importlib.util.spec_from_file_location("convert_hallo", os.path.join(scripts, "convert-hallo.py"))
        hallo = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(hallo)
        torch.manual_seed(0)

        def write_json(value, *path):
            os.makedirs(os.path.join(root, *path[:-1]), exist_ok=True)
            with open(os.path.join(root, *path), "w") as handle:
                json.dump(value, handle)

        sd = "stable-diffusion-v1-5"
        config = {"_class_name": "UNet2DConditionModel", "block_out_channels": [8, 8, 8, 8], "layers_per_block": 1,
                  "cross_attention_dim": 8, "attention_head_dim": 2, "norm_num_groups": 4, "in_channels": 4,
                  "out_channels": 4, "sample_size": 8,
                  "down_block_types": hallo.DOWN_BLOCKS_2D, "up_block_types": hallo.UP_BLOCKS_2D}
        write_json(config, sd, "unet", "config.json")
        unet = UNet2DConditionModel.from_config({k: v for k, v in config.items() if k != "_class_name"}).state_dict()
        save_file(unet, os.path.join(root, sd, "unet", "diffusion_pytorch_model.safetensors"))
        motion_shapes, _ = hallo.denoiser_module_shapes(config, hallo.HALLO_UNET_DEFAULTS)
        # AnimateDiff's checkpoints may lack the positional tables: the converter makes them.
        motion = {k: torch.randn(s) for k, s in motion_shapes.items() if not k.endswith("pos_encoder.pe")}
        os.makedirs(os.path.join(root, "motion_module"))
        torch.save(motion, os.path.join(root, "motion_module", "mm_sd_v15_v2.ckpt"))
        write_json({"hidden_size": 8}, sd, "text_encoder", "config.json")
        text = {"text_model.embeddings.token_embedding.weight": torch.randn(5, 8)}
        save_file(text, os.path.join(root, sd, "text_encoder", "model.safetensors"))
        write_json({"a": 0}, sd, "tokenizer", "vocab.json")
        with open(os.path.join(root, sd, "tokenizer", "merges.txt"), "w") as handle:
            handle.write("#version: 0.2\n")
        write_json({"latent_channels": 4}, "sd-vae-ft-mse", "config.json")
        vae = {"encoder.conv_in.weight": torch.randn(2, 3, 3, 3)}
        torch.save(vae, os.path.join(root, "sd-vae-ft-mse", "diffusion_pytorch_model.bin"))
        w2v = os.path.join("wav2vec", "wav2vec2-base-960h")
        write_json({"hidden_size": 4, "num_hidden_layers": 2}, w2v, "config.json")
        write_json({"sampling_rate": 16000}, w2v, "preprocessor_config.json")
        wav2vec = {"encoder.layers.0.attention.k_proj.weight": torch.randn(4, 4)}
        torch.save(wav2vec, os.path.join(root, w2v, "pytorch_model.bin"))
        # Hallo's default projection (32 tokens of 768 from 512) is 50 MB: a smaller one of the same kind.
        with open(sys.argv[3], "w") as handle:
            json.dump({"intermediate_dim": 4, "context_tokens": 2}, handle)
        print(json.dumps({"unet": summaries(unet), "motion": summaries(motion), "text_encoder": summaries(text),
                          "vae": summaries(vae), "audio_encoder": summaries(wav2vec)}))
        """#, [pretrained.path, Self.scripts.path, folder.appendingPathComponent("audio-proj.json").path], in: folder) as? [String: [String: [String: Any]]]
        let input = try XCTUnwrap(inputs)
        // Someone's folders beside --out, one with a name like the converter's working folder: left as they are.
        let work = folder.appendingPathComponent("checkpoints")
        for name in ["mine", ".talking.partial-notes"] {
            try FileManager.default.createDirectory(at: work.appendingPathComponent(name), withIntermediateDirectories: true)
            try Data("keep \(name)".utf8).write(to: work.appendingPathComponent("\(name)/notes.txt"))
        }

        let run = try python([Self.scripts.appendingPathComponent("convert-hallo.py").path, "--pretrained", pretrained.path,
                              "--out", work.appendingPathComponent("talking").path, "--init-from-components",
                              "--audio-proj-config", folder.appendingPathComponent("audio-proj.json").path], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("no \(pretrained.path)/hallo/net.pth"), run.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work.path).sorted(), [".talking.partial-notes", "mine", "talking"])
        for name in ["mine", ".talking.partial-notes"] {
            XCTAssertEqual(files(under: work.appendingPathComponent(name)), ["notes.txt"])
            XCTAssertEqual(try String(contentsOf: work.appendingPathComponent("\(name)/notes.txt"), encoding: .utf8), "keep \(name)")
        }

        let out = work.appendingPathComponent("talking")
        XCTAssertEqual(files(under: out), [
            "audio_encoder/config.json", "audio_encoder/model.safetensors", "audio_encoder/preprocessor_config.json",
            "audio_proj/config.json", "audio_proj/diffusion_pytorch_model.safetensors",
            "denoising_unet/config.json", "denoising_unet/diffusion_pytorch_model.safetensors", "model_index.json",
            "reference_unet/config.json", "reference_unet/diffusion_pytorch_model.safetensors",
            "scheduler/scheduler_config.json", "text_encoder/config.json", "text_encoder/model.safetensors",
            "tokenizer/merges.txt", "tokenizer/vocab.json", "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
        ])
        let index = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("model_index.json"))) as? [String: Any])
        XCTAssertEqual(index["_class_name"] as? String, "TalkingHeadPipeline")
        XCTAssertEqual(index["_tbd_format"] as? Int, 1)
        XCTAssertEqual(Set(index.keys.filter { !$0.hasPrefix("_") }), ["reference_unet", "denoising_unet", "audio_proj", "audio_encoder",
                                                                       "vae", "text_encoder", "tokenizer", "scheduler"])
        XCTAssertEqual(index["denoising_unet"] as? [String], ["hallo", "UNet3DConditionModel"])

        let tensors = try written(out, in: folder)
        for (file, state) in tensors {
            XCTAssertFalse(state.isEmpty, file)
            for (name, tensor) in state { XCTAssertEqual(tensor["finite"] as? Bool, true, "\(file): \(name) is not finite") }
        }
        // The ReferenceNet is SD's UNet without its output layers; the copied components are their inputs.
        let unet = try XCTUnwrap(input["unet"]), motion = try XCTUnwrap(input["motion"])
        XCTAssertNotNil(unet["conv_out.weight"])
        let reference = unet.filter { !$0.key.hasPrefix("conv_out.") && !$0.key.hasPrefix("conv_norm_out.") }
        XCTAssertEqual(tensors["reference_unet/diffusion_pytorch_model.safetensors"] as NSDictionary?, reference as NSDictionary)
        XCTAssertEqual(tensors["audio_encoder/model.safetensors"] as NSDictionary?, input["audio_encoder"] as NSDictionary?)
        XCTAssertEqual(tensors["vae/diffusion_pytorch_model.safetensors"] as NSDictionary?, input["vae"] as NSDictionary?)
        XCTAssertEqual(tensors["text_encoder/model.safetensors"] as NSDictionary?, input["text_encoder"] as NSDictionary?)

        // The denoiser: SD's UNet and the motion modules unchanged, and what the converter adds: the positional
        // tables (sin 0 = 0 and cos 0 = 1 in their first row, so never all zero) and the audio modules, F32 as the
        // UNet, their zero_conv_* at zero and nothing else zero but biases and norm offsets.
        let denoiser = try XCTUnwrap(tensors["denoising_unet/diffusion_pytorch_model.safetensors"])
        for (name, tensor) in unet.merging(motion, uniquingKeysWith: { $1 }) {
            XCTAssertEqual(denoiser[name] as NSDictionary?, tensor as NSDictionary, name)
        }
        let added = denoiser.filter { unet[$0.key] == nil && motion[$0.key] == nil }
        let tables = added.filter { $0.key.hasSuffix(".pos_encoder.pe") }
        let audio = added.filter { $0.key.contains(".audio_modules.") }
        XCTAssertEqual(tables.count + audio.count, added.count, "unexpected: \(added.keys.filter { !$0.contains(".audio_modules.") && !$0.hasSuffix(".pe") }.sorted().prefix(3))")
        XCTAssertFalse(tables.isEmpty)
        XCTAssertTrue(tables.values.allSatisfy { $0["zero"] as? Bool == false && $0["shape"] as? [Int] == [1, 32, 8] })
        let zeroConvs = audio.filter { $0.key.contains(".zero_conv_") }
        XCTAssertFalse(zeroConvs.isEmpty)
        XCTAssertTrue(zeroConvs.values.allSatisfy { $0["zero"] as? Bool == true })
        XCTAssertTrue(audio.filter { $0.key.hasSuffix(".to_q.weight") }.values.allSatisfy { $0["zero"] as? Bool == false })
        XCTAssertEqual(Set(audio.values.compactMap { $0["dtype"] as? String }), ["float32"])

        let projection = try XCTUnwrap(tensors["audio_proj/diffusion_pytorch_model.safetensors"])
        XCTAssertEqual(projection.mapValues { $0["shape"] as? [Int] ?? [] }, [
            "proj1.weight": [4, 5 * 2 * 4], "proj1.bias": [4], "proj2.weight": [4, 4], "proj2.bias": [4],
            "proj3.weight": [2 * 768, 4], "proj3.bias": [2 * 768], "norm.weight": [768], "norm.bias": [768],
        ])
        let projectionConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("audio_proj/config.json"))) as? [String: Int]
        XCTAssertEqual(projectionConfig, ["seq_len": 5, "blocks": 2, "channels": 4, "intermediate_dim": 4, "output_dim": 768, "context_tokens": 2])
        let denoiserConfig = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("denoising_unet/config.json"))) as? [String: Any])
        XCTAssertEqual(denoiserConfig["block_out_channels"] as? [Int], [8, 8, 8, 8])
        XCTAssertEqual(denoiserConfig["use_audio_module"] as? Bool, true)
    }
}
