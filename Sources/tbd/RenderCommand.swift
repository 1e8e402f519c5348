import ArgumentParser

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "The diffusion renderer: progressive guidance from the coarse to the fine prompt.",
        subcommands: [Run.self, Status.self, Schedule.self, Sample.self], defaultSubcommand: Run.self)
}
