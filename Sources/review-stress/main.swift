// Drives a review database from a separate process for the crash and concurrency tests:
//   review-stress approve DB CURATOR          claims and approves until the queue is empty, printing each committed id
//   review-stress claim DB CURATOR N [--wait] claims up to N items without deciding, printing each claimed id
// Each id is printed and flushed only after its transaction committed.
// With --wait, the process opens the database, prints "ready" and waits for a line on stdin before its first claim:
// a test starts two of them, waits for both to be ready and releases them together, so their claims really race.
// It then prints "began T" before the first claim and "ended T" after the last (T: CLOCK_MONOTONIC nanoseconds,
// one clock for every process on the machine), so the test can check that the two runs overlapped. After its first
// claim it prints "claimed one" and waits for a second line: released only once both have claimed, each began
// before the other ended, however a loaded machine schedules them.
import Foundation
import Store

setvbuf(stdout, nil, _IOLBF, 0)
let arguments = CommandLine.arguments
guard arguments.count >= 4, ["approve", "claim"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: review-stress approve DB CURATOR | claim DB CURATOR N [--wait]\n".utf8))
    exit(2)
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

do {
    let store = try ProjectStore(path: arguments[2], options: .init(busyTimeout: 30))
    let curator = arguments[3]
    if arguments[1] == "approve" {
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
