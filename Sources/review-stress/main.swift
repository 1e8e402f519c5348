// Drives a review database from a separate process for the crash and concurrency tests:
//   review-stress approve DB CURATOR          claims and approves until the queue is empty, printing each committed id
//   review-stress claim DB CURATOR N [--wait] claims up to N items without deciding, printing each claimed id
//   review-stress seed DB N                   adds N pending annotations (the load benchmark's queue)
//   review-stress load DB CURATOR EDIT_EVERY  claims and decides until the queue is empty, editing and approving every
//                                             EDIT_EVERY-th item and approving the others; prints "ID NANOSECONDS" per
//                                             decision, the time from the claim to the decision's commit; at the end a
//                                             line on stderr counts the steps tried again and the store's waits for its
//                                             server (a restart) and reruns after a conflict
// Each id is printed and flushed only after its transaction committed.
// With --wait, the process opens the database, prints "ready" and waits for a line on stdin before its first claim:
// a test starts two of them, waits for both to be ready and releases them together, so their claims really race.
// It then prints "began T" before the first claim and "ended T" after the last (T: CLOCK_MONOTONIC nanoseconds,
// one clock for every process on the machine), so the test can check that the two runs overlapped. After its first
// claim it prints "claimed one" and waits for a second line: released only once both have claimed, each began
// before the other ended, however a loaded machine schedules them.
import AnnotationRecord
import FACSKnowledge
import Foundation
import Store

setvbuf(stdout, nil, _IOLBF, 0)
let arguments = CommandLine.arguments
guard arguments.count >= 4, ["approve", "claim", "seed", "load"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data(
        "usage: review-stress approve DB CURATOR | claim DB CURATOR N [--wait] | seed DB N | load DB CURATOR EDIT_EVERY\n".utf8))
    exit(2)
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// A pending annotation for the load benchmark, one subject per index.
func seedAnnotation(_ index: Int) -> Annotation {
    Annotation(
        subject: AnnotationSubject(sourcePath: "/data/load/\(index).mp4", kind: .clip, actorID: "M003", view: "front", contentHash: "load\(index)"),
        emotion: "happy", level: .moderate, mode: .cot, backend: "openai-chat", endpoint: nil, modelID: "load", templateVersion: "cot-v1",
        stages: [StageRecord(index: 1, title: "Observe", text: "cheeks raised")], coarsePrompt: "a happy face \(index)",
        finePrompt: "cheeks raised and lip corners pulled up, item \(index)",
        aus: [ScoredAU(code: 6, intensity: .c), ScoredAU(code: 12, intensity: .c)], findings: [])
}

do {
    let store = try ProjectStore(path: arguments[2], options: .init(busyTimeout: 30))
    let curator = arguments[3]
    if arguments[1] == "seed" {
        let count = Int(arguments[3]) ?? 0
        for start in stride(from: 0, to: count, by: 500) {
            _ = try store.addAnnotations((start..<min(count, start + 500)).map(seedAnnotation))
        }
    } else if arguments[1] == "load" {
        let editEvery = max(1, arguments.count > 4 ? Int(arguments[4]) ?? 5 : 5)
        var decided = 0
        var failures = 0
        var retriedSteps = 0
        while true {
            // A failed step (the server restarting) is tried again: an undecided item is still this curator's
            // claim, so the next claim takes it back; a decided one is no longer offered.
            do {
                let began = monotonicNanoseconds()
                guard let claim = try store.claimNext(curator: curator) else { break }
                if (decided + 1) % editEvery == 0 {
                    try store.edit(id: claim.annotationID, curator: curator, fine: "edited by \(curator), decision \(decided + 1)", approve: true)
                } else {
                    try store.approve(id: claim.annotationID, curator: curator)
                }
                decided += 1
                failures = 0
                print("\(claim.annotationID) \(monotonicNanoseconds() - began)")
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("review-stress: retrying after: \(error)\n".utf8))
                retriedSteps += 1
                guard failures < 100 else { throw error }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        let retries = PostgresRetries.counts
        FileHandle.standardError.write(Data(
            "review-stress: \(decided) decisions, \(retriedSteps) failed steps tried again, \(retries.reconnections) waits for the server, \(retries.conflicts) transactions run again after a conflict\n".utf8))
    } else if arguments[1] == "approve" {
        while let claim = try store.claimNext(curator: curator) {
            try store.approve(id: claim.annotationID, curator: curator, note: "bulk")
            print(claim.annotationID)
        }
    } else {
        let limit = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 0
        let waits = arguments.dropFirst(5).contains("--wait")
        if waits {
            print("ready")
            guard readLine() != nil else { exit(3) }  // stdin closed without the go-ahead: the test gave up
            print("began \(monotonicNanoseconds())")
        }
        var after: Int64?
        for index in 0..<limit {
            guard let claim = try store.claimNext(curator: curator, after: after) else { break }
            after = claim.annotationID
            print(claim.annotationID)
            if waits && index == 0 {
                print("claimed one")
                guard readLine() != nil else { exit(3) }
            }
        }
        if waits { print("ended \(monotonicNanoseconds())") }
    }
} catch {
    FileHandle.standardError.write(Data("review-stress: \(error)\n".utf8))
    exit(1)
}
