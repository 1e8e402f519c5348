import AnnotationRecord
import ArgumentParser
import BatchAnnotation
import CoTFA
import Foundation
import Store

extension ReviewCommand {
    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Annotate a failed item again from its stored inputs, as tbd annotate would.",
            discussion: """
                The subject's file, emotion, level, mode, endpoint, model and text-only choice come from the failed item \
                (tbd review list --status failed). --endpoint and --vlm-model replace the stored ones; a stored endpoint \
                keeps no user, password or query. The API key is read from TBD_VLM_API_KEY only; sampling settings are \
                tbd annotate's defaults. A success is a pending annotation, a new failure a new failed item; either way \
                the retried item leaves the list of failed items.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The failed item's number, as tbd review list --status failed shows it.") var id: Int64
        @Option(name: .long, help: "OpenAI-compatible API base to use instead of the stored one.") var endpoint: String?
        @OptionGroup var vlmModel: VLMModelOption
        @Flag(name: .long, help: "Annotate even when the store holds an annotation of this subject, emotion, level and mode.")
        var again = false
        @OptionGroup var output: JSONOption

        func run() throws {
            let opened = try store.openExisting()
            guard let item = try storeCall({ try opened.failedAnnotation(id: id) }) else {
                throw CLIError("no failed item \(id): \(ReviewCommandHint.command(["review", "list", "--status", "failed"], store: store)) lists them")
            }
            // Checked before any model is asked; the store refuses a second retry again when it keeps the result.
            if item.retriedAt != nil {
                let result = item.retriedAnnotationID.map { "annotation #\($0)" } ?? item.retriedFailedID.map { "failed item \($0)" } ?? "nothing"
                throw CLIError("failed item \(id) was retried already; it gave \(result)")
            }
            try checkUnchanged(item.subject)
            let job: AnnotateJob
            do {
                job = try AnnotateJob(settings: settings(for: item), databasePath: store.path, environment: ProcessInfo.processInfo.environment)
            } catch AnnotateJobError.alreadyAnnotated(let summary, let first) {
                // The job's own wording names tbd annotate's options; these commands run as printed here.
                throw CLIError("\(summary): \(ReviewCommandHint.command(["review", "show", String(first)], store: store)) shows it, "
                    + "and \(ReviewCommandHint.command(["review", "retry", String(id), "--again"], store: store)) adds another one on purpose")
            }
            InterruptFlag.exitOnInterrupt(saying: "failed item \(id) is unchanged; run the same command again")
            switch try job.run() {
            case .annotated(let annotationID, let annotation):
                if output.json { return try printJSON(AnnotateView(id: annotationID, database: StoreLocation.displayed(job.databasePath), annotation: annotation)) }
                print(AnnotationText.render(annotation))
                print("stored as annotation \(annotationID) in \(StoreLocation.displayed(job.databasePath)), pending review; failed item \(id) is retried")
            case .failed(let record):
                try AnnotateCommand.report(record, json: output.json, store: store)
                throw ExitCode(1)
            }
        }

        /// The run `tbd annotate` made, from what the failed item kept; --endpoint and --vlm-model win over it.
        private func settings(for item: FailedAnnotation) -> AnnotateJob.Settings {
            var settings = AnnotateJob.Settings(image: item.subject.sourcePath, emotion: item.emotion)
            settings.level = item.level
            settings.subject = item.subject.description
            settings.actor = item.subject.actorID
            settings.mode = item.mode
            settings.endpoint = endpoint ?? item.endpoint
            settings.model = vlmModel.name ?? item.model
            settings.textOnly = item.textOnly
            settings.again = again
            settings.retrying = id
            return settings
        }

        /// The retry annotates the file the item failed on: a file replaced since would give an annotation of
        /// other content under the old item's name.
        private func checkUnchanged(_ subject: AnnotationSubject) throws {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: subject.sourcePath))
            } catch {
                throw CLIError("cannot read \(subject.sourcePath), the failed item's file: \(error.localizedDescription)")
            }
            if let hash = subject.contentHash, PortraitImage.contentHash(of: data) != hash {
                throw CLIError("\(subject.sourcePath) changed since the item failed: a retry would annotate other content than what failed")
            }
        }
    }
}
