// Drives a review database from a separate process for the crash and concurrency tests:
//   review-stress approve DB CURATOR   claims and approves until the queue is empty, printing each committed id
//   review-stress claim DB CURATOR N   claims up to N items without deciding, printing each claimed id
// Each id is printed and flushed only after its transaction committed.
import Foundation
import Store

setvbuf(stdout, nil, _IOLBF, 0)
let arguments = CommandLine.arguments
guard arguments.count >= 4, ["approve", "claim"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: review-stress approve DB CURATOR | claim DB CURATOR N\n".utf8))
    exit(2)
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
        var after: Int64?
        for _ in 0..<limit {
            guard let claim = try store.claimNext(curator: curator, after: after) else { break }
            after = claim.annotationID
            print(claim.annotationID)
        }
    }
} catch {
    FileHandle.standardError.write(Data("review-stress: \(error)\n".utf8))
    exit(1)
}
