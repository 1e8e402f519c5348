import ArgumentParser
import Foundation
import TrainingData

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Prepare training shards from approved pairs (the GPU trainer that reads them is described in docs/training.md).",
        subcommands: [Prepare.self])
}

extension TrainCommand {
    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the approved pairs' clips as training shards: face-centred frames, speech features, masks, prompt embeddings.",
            discussion: """
                Each clip linked to an approved annotation becomes OUT/clips/KEY.safetensors (docs/training.md lists \
                its tensors), made with the renderer's own code from the talking checkpoint --model: frames at --fps \
                cut to a square around the face and scaled to --size, the speech's wav2vec 2.0 features aligned to \
                the frames, Hallo's full/face/lip masks, the CLIP embeddings of both prompts. OUT/index.json lists \
                the shards, MEAD's 80/20 split by actor and every clip skipped with its reason (missing, no face, no \
                speech, too short). KEY hashes the inputs' content and the settings: a re-run skips finished clips.
                """)

        @OptionGroup var store: StoreOptions
        @Option(name: .long, help: "Output folder (index.json and clips/).")
        var out: String
        @Option(name: .long, help: "A talking checkpoint folder: its text and audio encoders embed the prompts and the speech.")
        var model: String
        @Option(name: .long, help: "Frame side in pixels, a multiple of 64.")
        var size = 512
        @Option(name: .long, help: "Frames per second.")
        var fps = 25
        @Option(name: .long, help: "Skip clips with fewer frames (stage 2 trains on 14 frames plus 2 motion frames; a tiny configuration needs fewer).")
        var minFrames = 16
        @Option(name: .long, help: "At most this many approved pairs.")
        var limit: Int?
        @OptionGroup var output: JSONOption

        func run() throws {
            InterruptFlag.exitOnInterrupt(saying: "finished shards are kept; run the same command again to resume")
            var settings = TrainingPrepareSettings(outputFolder: out, modelPath: model)
            (settings.size, settings.fps, settings.minimumFrames, settings.limit) = (size, fps, minFrames, limit)
            let job = try TrainingPrepareJob(settings: settings, store: try store.openExisting())
            let started = Date()
            var prepared = 0, reused = 0
            let index = try job.run(report: { event in
                switch event {
                case .prepared(let position, let count, let clip):
                    prepared += 1
                    if !output.json { print("[\(position)/\(count)] \(clip.file): \(clip.frames) frames, \(clip.split) (\(clip.clipPath))") }
                case .alreadyPrepared:
                    reused += 1
                case .skipped(let skipped):
                    FileHandle.standardError.write(Data("skipped \(skipped.clipPath): \(skipped.reason)\n".utf8))
                }
            })
            if output.json {
                try printJSON(index)
            } else {
                let train = index.clips.filter { $0.split == "train" }.count
                print("\(prepared) prepared, \(reused) already done, \(index.skipped.count) skipped, in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; "
                    + "\(train) train / \(index.clips.count - train) test clips (held-out actors: \(index.testActors.isEmpty ? "none" : index.testActors.joined(separator: ", "))); index: \(out)/index.json")
            }
        }
    }
}
