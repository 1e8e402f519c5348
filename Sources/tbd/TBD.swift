import ArgumentParser

@main
struct TBD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tbd",
        abstract: "Think-Before-Draw: grounded emotion prompts and progressive-guidance rendering for talking heads.",
        subcommands: [
            FACSCommand.self, MediaCommand.self, ModelCommand.self, RenderCommand.self, AnnotateCommand.self, ReviewCommand.self,
            ExportCommand.self,
        ])
}
