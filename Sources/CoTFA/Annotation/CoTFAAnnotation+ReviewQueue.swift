import ReviewQueue

extension CoTFAAnnotation {
    /// The annotation as the review store takes it, field for field; the stage records' extra detail (rejected
    /// replies, timings, usage) travels in the provenance JSON.
    public var newAnnotation: NewAnnotation {
        NewAnnotation(
            subject: SubjectInput(
                sourcePath: subject.sourcePath, kind: subject.kind, actorID: subject.actorID, view: subject.view,
                contentHash: subject.contentHash, description: subject.description),
            emotion: emotion, level: level, mode: mode, backend: backend, endpoint: endpoint, modelID: modelID,
            templateVersion: templateVersion,
            stages: stages.map {
                StageOutput(index: $0.index, title: $0.title, text: $0.text, request: $0.request, rawReply: $0.rawReply, parsed: $0.parsed)
            },
            coarsePrompt: coarsePrompt, finePrompt: finePrompt, aus: aus, findings: findings, provenanceJSON: provenanceJSON)
    }
}
