import ArgumentParser
import Renderer

/// `--sampler ddim|dpm++2m [--karras]`, shared by `render` and `render sample`.
struct SamplerOptions: ParsableArguments {
    @Option(name: .long, help: "ddim (the paper's) or dpm++2m (DPM-Solver++ 2M, built from the checkpoint's scheduler_config.json).")
    var sampler = "ddim"
    @Flag(name: .long, help: "dpm++2m only: Karras sigma spacing (use_karras_sigmas).")
    var karras = false

    func choice() throws -> SamplerChoice {
        do { return try SamplerChoice(name: sampler, karras: karras) } catch {
            throw CLIError("--sampler: \(error)")
        }
    }
}
