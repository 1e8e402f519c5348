import Foundation
import MediaIO
import Store
import TestSupport
import XCTest

/// `tbd render --worker NAME` and `tbd render status`: worker processes on one store share one queue, every
/// approved pair is rendered exactly once, and a worker killed mid-clip leaves its lease to run out and its
/// finished windows for the worker that takes the clip over. On SQLite here, on PostgreSQL in the subclass.
class RenderFarmCommandTests: XCTestCase {
    class var usesPostgres: Bool { false }

    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments) }

    /// A store (file or database) with one approved annotation per emotion of a flat portrait, and a tiny random
    /// talking-head checkpoint.
    private func farm(in root: URL, emotions: [String]) throws -> (database: String, model: String) {
        let database = type(of: self).usesPostgres ? try TestPostgresCluster.makeDatabase() : root.appendingPathComponent("tbd.sqlite").path
        let portrait = root.appendingPathComponent("face.png").path
        try ImageEncoding.png(RGBImage(width: 64, height: 64, filledWith: (180, 140, 120))).write(to: URL(fileURLWithPath: portrait))
        for (index, emotion) in emotions.enumerated() {
            let annotated = try tbd(["annotate", "--image", portrait, "--emotion", emotion, "--db", database])
            XCTAssertEqual(annotated.status, 0, annotated.stderr)
            let approved = try tbd(["review", "approve", "\(index + 1)", "--curator", "tester", "--db", database])
            XCTAssertEqual(approved.status, 0, approved.stderr)
        }
        let model = root.appendingPathComponent("talking").path
        let made = try tbd(["model", "init-random", "--config", "talking-tiny", "--out", model])
        XCTAssertEqual(made.status, 0, made.stderr)
        return (database, model)
    }

    /// Starts one worker per name and reads each one's output from the start (a full pipe would stall it).
    private func startWorkers(_ names: [String], arguments: (String) -> [String]) throws -> (programs: [RunningProgram], wait: () -> [ProgramRun]) {
        let programs = try names.map { try BuiltProgram.start("tbd", arguments($0)) }
        let runs = Runs(count: programs.count)
        let group = DispatchGroup()
        for (index, program) in programs.enumerated() {
            DispatchQueue.global().async(group: group) { runs.set(index, program.finish()) }
        }
        return (programs, {
            if group.wait(timeout: .now() + 600) == .timedOut { for program in programs { program.kill() } }
            group.wait()
            return runs.all
        })
    }

    /// The finished runs, filled in by the threads that read each program's output.
    private final class Runs: @unchecked Sendable {
        private let lock = NSLock()
        private var runs: [ProgramRun?]
        init(count: Int) { runs = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ run: ProgramRun) { lock.withLock { runs[index] = run } }
        var all: [ProgramRun] { lock.withLock { runs.map { $0! } } }
    }

    /// Every pair has exactly one done render, none is left running, and every queue item is done with its own.
    private func assertEveryPairRenderedOnce(_ database: String, pairs: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let store = try ProjectStore(path: database)
        let done = try store.renders(status: .done)
        XCTAssertEqual(done.map(\.annotationID).sorted(), (1...Int64(pairs)).map { $0 }, "one done render per pair", file: file, line: line)
        XCTAssertEqual(try store.renders(status: .running), [], "no render is left running", file: file, line: line)
        let items = try store.renderItems()
        XCTAssertEqual(items.count, pairs, file: file, line: line)
        XCTAssertEqual(items.map(\.status), Array(repeating: .done, count: pairs), file: file, line: line)
        XCTAssertEqual(Set(items.compactMap(\.renderID)), Set(done.map(\.id)), "each item names the render that made it", file: file, line: line)
    }

    func testTwoWorkersOnOneStoreRenderEveryPairOnce() throws {
        let root = try makeTemporaryFolder("tbd-farm-two")
        defer { try? FileManager.default.removeItem(at: root) }
        let (database, model) = try farm(in: root, emotions: ["happy", "sad", "angry"])
        let out = root.appendingPathComponent("out").path
        let (_, wait) = try startWorkers(["w1", "w2"]) { name in
            ["render", "--worker", name, "--approved", "--db", database, "--model", model, "--out", out, "--crop", "none",
             "--audio", "none", "--frames", "6", "--window", "4", "--motion-frames", "1", "--steps", "2", "--json"]
        }
        let runs = wait()
        for run in runs { XCTAssertEqual(run.status, 0, run.stderr) }
        let summaries = try runs.map { try XCTUnwrap($0.jsonObject, $0.stdout) }
        XCTAssertEqual(summaries.map { $0["rendered"] as? Int ?? -1 }.reduce(0, +), 3, "\(summaries)")
        XCTAssertEqual(summaries.map { $0["failed"] as? Int ?? -1 }, [0, 0])
        XCTAssertEqual(Set(summaries.compactMap { $0["settings_hash"] as? String }).count, 1, "both worked one queue")
        try assertEveryPairRenderedOnce(database, pairs: 3)
        let videos = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".mp4") }
        XCTAssertEqual(videos.count, 3)

        // A third worker finds nothing left; the status shows the finished queue and both workers.
        let again = try tbd(["render", "--worker", "w3", "--approved", "--db", database, "--model", model, "--out", out, "--crop", "none",
                             "--audio", "none", "--frames", "6", "--window", "4", "--motion-frames", "1", "--steps", "2", "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.jsonObject?["rendered"] as? Int, 0, again.stdout)
        let status = try tbd(["render", "status", "--db", database, "--json"])
        XCTAssertEqual(status.status, 0, status.stderr)
        let shown = try XCTUnwrap(status.jsonObject, status.stdout)
        XCTAssertEqual(shown["done"] as? Int, 3)
        XCTAssertEqual(shown["waiting"] as? Int, 0)
        XCTAssertEqual(shown["done_in_window"] as? Int, 3)
        let workers = try XCTUnwrap(shown["workers"] as? [[String: Any]])
        XCTAssertEqual(workers.compactMap { $0["done"] as? Int }.reduce(0, +), 3)
        XCTAssertTrue(Set(workers.compactMap { $0["name"] as? String }).isSubset(of: ["w1", "w2"]))
        let text = try tbd(["render", "status", "--db", database])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("0 waiting, 0 leased, 3 done, 0 failed"), text.stdout)
    }

    func testAWorkerKilledMidClipIsTakenOverFromItsFinishedWindows() throws {
        let root = try makeTemporaryFolder("tbd-farm-kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let (database, model) = try farm(in: root, emotions: ["happy", "sad", "angry", "surprised"])
        let out = root.appendingPathComponent("out")
        let names = ["w1", "w2", "w3", "w4"]
        // 3 windows of 4 frames per clip, 20 steps each, so a kill lands between windows; a 6 s lease.
        let (programs, wait) = try startWorkers(names) { name in
            ["render", "--worker", name, "--approved", "--db", database, "--model", model, "--out", out.path, "--crop", "none",
             "--audio", "none", "--frames", "10", "--window", "4", "--motion-frames", "1", "--steps", "20", "--lease", "6"]
        }
        func windows(of clip: String) -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(clip).path)) ?? []).filter { $0.hasPrefix("window-") }.count
        }
        var victim: (index: Int, annotation: Int64, windows: Int)?
        let deadline = Date().addingTimeInterval(300)
        while victim == nil, Date() < deadline, programs.allSatisfy({ $0.process.isRunning }) {
            usleep(20_000)
            let clips = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.hasSuffix(".windows") }
            guard clips.contains(where: { windows(of: $0) > 0 }) else { continue }
            // Everyone stopped, then counted: the windows counted are the ones the survivors find.
            for program in programs { program.kill(SIGSTOP) }
            let items = try ProjectStore(path: database).renderItems()
            for clip in clips {
                let kept = windows(of: clip)
                guard (1..<3).contains(kept), let annotation = Int64(clip.dropFirst().prefix { $0.isNumber }),
                      let holder = items.first(where: { $0.annotationID == annotation && $0.status == .leased })?.worker,
                      let index = names.firstIndex(of: holder) else { continue }
                victim = (index, annotation, kept)
                programs[index].kill(SIGKILL)
                break
            }
            for program in programs { program.kill(SIGCONT) }
        }
        let runs = wait()
        let killed = try XCTUnwrap(victim, "a worker was killed between two windows of its clip")
        for (index, run) in runs.enumerated() where index != killed.index { XCTAssertEqual(run.status, 0, run.stderr) }
        let resumedNote = "(resumed at window \(killed.windows + 1)/3)"
        XCTAssertEqual(runs.filter { $0.stderr.contains(resumedNote) }.count, 1,
                       "one survivor resumed the clip at the dead worker's next window: \(runs.map(\.stderr))")
        try assertEveryPairRenderedOnce(database, pairs: 4)
        let store = try ProjectStore(path: database)
        let item = try XCTUnwrap(try store.renderItems().first { $0.annotationID == killed.annotation })
        XCTAssertEqual(item.attempts, 2, "taken once by the dead worker, once by the one that finished it")
        XCTAssertNotEqual(item.worker, names[killed.index])
        XCTAssertEqual(try store.renders(annotationID: killed.annotation, status: .failed).count, 1, "the dead worker's render is marked failed")
        let video = try XCTUnwrap(try store.renders(annotationID: killed.annotation, status: .done).first?.outputs?.video)
        XCTAssertEqual(try FrameReader.readAllFrames(path: video).count, 10)
    }

    func testWorkerOptionsAreCheckedBeforeAnythingRuns() throws {
        let root = try makeTemporaryFolder("tbd-farm-options")
        defer { try? FileManager.default.removeItem(at: root) }
        let noSource = try tbd(["render", "--worker", "w1", "--pairs", "x.jsonl", "--model", "m", "--out", root.path])
        XCTAssertNotEqual(noSource.status, 0)
        XCTAssertTrue(noSource.stderr.contains("give --approved"), noSource.stderr)
        let waitAlone = try tbd(["render", "--wait", "--approved", "--model", "m", "--out", root.path])
        XCTAssertNotEqual(waitAlone.status, 0)
        XCTAssertTrue(waitAlone.stderr.contains("go with --worker"), waitAlone.stderr)
        let missing = try tbd(["render", "status", "--db", root.appendingPathComponent("none.sqlite").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("none.sqlite").path), "status creates no store")
    }
}

final class RenderFarmCommandOnPostgresTests: RenderFarmCommandTests {
    override class var usesPostgres: Bool { true }
    override func testTwoWorkersOnOneStoreRenderEveryPairOnce() throws { try super.testTwoWorkersOnOneStoreRenderEveryPairOnce() }
    override func testAWorkerKilledMidClipIsTakenOverFromItsFinishedWindows() throws {
        try super.testAWorkerKilledMidClipIsTakenOverFromItsFinishedWindows()
    }
    override func testWorkerOptionsAreCheckedBeforeAnythingRuns() throws { try super.testWorkerOptionsAreCheckedBeforeAnythingRuns() }
}
