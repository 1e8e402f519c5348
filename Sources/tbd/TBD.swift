import ArgumentParser

@main
struct TBD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tbd",
        abstract: "Think-Before-Draw: grounded emotion prompts and progressive-guidance rendering for talking heads.",
        subcommands: [
            FACSCommand.self, AnnotateCommand.self, BatchCommand.self, ReviewCommand.self, ExportCommand.self,
            RenderCommand.self, ModelCommand.self, MediaCommand.self,
        ])
}
