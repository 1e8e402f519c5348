import ArgumentParser
import Renderer
import Tensors

@main
struct TBD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tbd",
        abstract: "Think-Before-Draw: grounded emotion prompts and progressive-guidance rendering for talking heads.",
        version: TBD.version,
        subcommands: [
            FACSCommand.self, AnnotateCommand.self, BatchCommand.self, ReviewCommand.self, ExportCommand.self,
            RenderCommand.self, ModelCommand.self, MediaCommand.self, TrainCommand.self, EvalCommand.self, StoreCommand.self,
        ])

    static func main() {
        HeapReuse.keepFreedBlocks()
        main(nil)
    }

    /// The release of the command line and its JSON contracts (docs/cli-json.md).
    static let version = "0.1.0"
}
