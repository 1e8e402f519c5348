import Foundation
import TestSupport
import XCTest

/// `tbd render sample` against the Renderer's reference loops (the tiny pipeline fixture), the `paper` schedule's
/// worked numbers through `tbd render schedule`, and the sampler and alpha options of `tbd render`.
final class RenderSampleCommandTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RendererTests/Fixtures")

    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments) }

    private func tensor(_ name: String, in url: URL) throws -> (shape: [Int], values: [Float]) {
        try float32SafeTensor(name, in: url)
    }

    func testSampleMatchesTheReferenceLoops() throws {
        let root = try makeTemporaryFolder("tbd-cli-sample")
        defer { try? FileManager.default.removeItem(at: root) }
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("render-sample.json"))) as? [String: Any])
        let runs = try XCTUnwrap(manifest["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 3)
        for run in runs {
            let name = run["name"] as! String
            let out = root.appendingPathComponent(name + ".safetensors")
            var arguments = ["render", "sample", "--model", Self.fixtures.appendingPathComponent("tiny-pipeline").path,
                             "--noise", Self.fixtures.appendingPathComponent("render-sample-noise.safetensors").path,
                             "--negative", run["negative"] as! String, "--steps", String(run["steps"] as! Int),
                             "--split", (run["splits"] as! [Double]).map { String($0) }.joined(separator: ","),
                             "--blend", run["mode"] as! String, "--alpha-max", String(run["alpha_max"] as! Double),
                             "--alpha-min", String(run["alpha_min"] as! Double), "--sampler", run["sampler"] as! String,
                             "--cfg", String(run["cfg"] as! Double), "--out", out.path, "--json"]
            for prompt in run["prompts"] as! [String] { arguments += ["--prompt", prompt] }
            if run["karras"] as! Bool { arguments.append("--karras") }
            let result = try tbd(arguments)
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            let view = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let steps = try XCTUnwrap(view["steps"] as? [[String: Any]])
            XCTAssertEqual(steps.map { $0["timestep"] as? Int }, (run["timesteps"] as! [Int]).map { $0 }, name)
            XCTAssertEqual(view["latent_shape"] as? [Int], [1, 4, 8, 8])

            let ours = try tensor("latents", in: out)
            let expected = try tensor("\(name).latents", in: Self.fixtures.appendingPathComponent("render-sample.safetensors"))
            XCTAssertEqual(ours.shape, expected.shape, name)
            let scale = expected.values.map(abs).reduce(0, +) / Float(expected.values.count)
            for (a, b) in zip(ours.values, expected.values) {
                XCTAssertEqual(a, b, accuracy: 1e-3 * max(abs(b), scale), name)
            }
        }
    }

    func testSampleOptionsAreCheckedWithClearErrors() throws {
        let base = ["render", "sample", "--model", Self.fixtures.appendingPathComponent("tiny-pipeline").path,
                    "--noise", Self.fixtures.appendingPathComponent("render-sample-noise.safetensors").path,
                    "--steps", "4", "--out", "/tmp/tbd-never-written.safetensors", "--prompt", "a", "--prompt", "b"]
        let cases: [([String], String)] = [
            (["--prompt", "c"], "one --prompt per stage"),
            (["--sampler", "euler"], "unknown sampler"),
            (["--karras"], "dpm++2m only"),
            (["--alpha-min", "0.8", "--alpha-max", "0.6"], "alpha-min <= alpha-max"),
            (["--alpha-max", "1.5"], "alpha-min <= alpha-max"),
            (["--blend", "smooth", "--alpha-min", "0.2"], "paper blend only"),
            (["--cfg", "-1"], "--cfg"),
            (["--split", "1.2"], "--split"),
            (["--blend", "wavy"], "invalid for '--blend"),
        ]
        for (extra, message) in cases {
            let result = try tbd(base + extra)
            XCTAssertNotEqual(result.status, 0, "\(extra)")
            XCTAssertTrue(result.stderr.contains(message), "\(extra): \(result.stderr)")
        }
        let steps = try tbd(base.map { $0 == "4" ? "0" : $0 })
        XCTAssertTrue(steps.stderr.contains("--steps must be 1-1000"), steps.stderr)
        let noNoise = try tbd(base.map { $0.hasSuffix("render-sample-noise.safetensors") ? "/nonexistent.safetensors" : $0 })
        XCTAssertTrue(noNoise.stderr.contains("cannot read tensor \"noise\""), noNoise.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/tbd-never-written.safetensors"))
    }

    /// The worked numbers for T = 30, split 0.3, and a three-stage run with other alpha bounds.
    func testScheduleFollowsAlgorithmsOneAndTwo() throws {
        let result = try tbd(["render", "schedule", "--steps", "30", "--split", "0.3", "--blend", "paper", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let view = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let weights = try XCTUnwrap(view["steps"] as? [[String: Any]]).map { $0["weights"] as! [Double] }
        for (step, expected) in [(1, [0.9444, 0.0556]), (9, [0, 1]), (29, [0.4762, 0.5238])] {
            for (a, b) in zip(weights[step], expected) { XCTAssertEqual(a, b, accuracy: 5e-5, "step \(step)") }
        }
        let three = try tbd(["render", "schedule", "--steps", "10", "--split", "0.3,0.6", "--alpha-max", "0.9", "--alpha-min", "0.3", "--json"])
        let rows = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(three.stdout.utf8)) as? [String: Any])?["steps"] as? [[String: Any]])
        // Last stage (steps 6-9): p = 3/4 at step 9, alpha = 0.9 - 0.75 x 0.6 = 0.45, the rest to stage 2.
        let last = rows[9]["weights"] as! [Double]
        XCTAssertEqual(last[0], 0)
        XCTAssertEqual(last[1], 0.55, accuracy: 1e-12)
        XCTAssertEqual(last[2], 0.45, accuracy: 1e-12)
        let folder = try makeTemporaryFolder("tbd-schedule")
        defer { try? FileManager.default.removeItem(at: folder) }
        let plot = folder.appendingPathComponent("plot.png")
        XCTAssertEqual(try tbd(["render", "schedule", "--steps", "30", "--split", "0.3", "--plot", plot.path]).status, 0)
        XCTAssertEqual(try Data(contentsOf: plot).prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))
        let bad = try tbd(["render", "schedule", "--steps", "10", "--alpha-min", "-0.1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("alpha-min"), bad.stderr)
    }

    func testRenderTakesTheSamplerAndAlphaOptions() throws {
        let root = try makeTemporaryFolder("tbd-cli-dpm")
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("model").path
        XCTAssertEqual(try tbd(["model", "init-random", "--config", "tiny", "--out", model]).status, 0)
        let out = root.appendingPathComponent("out")
        let render = try tbd(["render", "--coarse", "a face", "--fine", "a smiling face", "--model", model, "--out", out.path,
                              "--frames", "1", "--steps", "3", "--sampler", "dpm++2m", "--karras", "--alpha-min", "0.3", "--json"])
        XCTAssertEqual(render.status, 0, render.stderr)
        // Named by a hash of the settings: read the name the run reports.
        let name = try XCTUnwrap((render.json as? [[String: Any]])?.first?["name"] as? String, render.stdout)
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(name + ".json"))) as? [String: Any])
        let parameters = try XCTUnwrap(manifest["parameters"] as? [String: Any])
        XCTAssertEqual(parameters["sampler"] as? String, "dpm++2m (karras)")
        XCTAssertEqual(parameters["alpha_min"] as? Double, 0.3, "the manifest is snake_case like every JSON the project writes")
        let wrong = try tbd(["render", "--coarse", "a", "--fine", "b", "--model", model, "--out", out.path, "--blend", "hard", "--alpha-max", "0.9"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("paper blend only"), wrong.stderr)
    }
}
