import ArgumentParser

/// `--vlm-model`: the vision-language model `annotate` and `batch` ask, named apart from `--model`, which names a
/// checkpoint folder in `render` and `model`. `--model`, its name before, is still read (hidden), so existing
/// scripts keep working.
struct VLMModelOption: ParsableArguments {
    @Option(name: .customLong("vlm-model"), help: "VLM name (default: TBD_VLM_MODEL, else the first model the server lists).")
    var vlmModel: String?
    @Option(name: .customLong("model"), help: .hidden)
    var formerName: String?

    func validate() throws {
        if let vlmModel, let formerName, vlmModel != formerName {
            throw ValidationError("--model is the former name of --vlm-model: give one of them")
        }
    }

    var name: String? { vlmModel ?? formerName }
}
