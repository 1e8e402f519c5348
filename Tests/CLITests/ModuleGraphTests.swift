import Foundation
import TestSupport
import XCTest

/// The module graph runs one way (docs/architecture.md): read from the manifest as SwiftPM resolves it
/// (`swift package dump-package`), each target's transitive dependencies must leave out what sits above it
/// or beside it.
final class ModuleGraphTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Each target of the package and the names it depends on directly: targets, and products of other packages.
    private func directDependencies() throws -> [String: [String]] {
        let scratch = try makeTemporaryFolder("tbd-dump-package")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // A scratch folder of its own, so this never waits on the lock of the build that is running the tests.
        let run = try BuiltProgram.run(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            ["swift", "package", "--package-path", Self.root.path, "--scratch-path", scratch.path, "dump-package"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let targets = try XCTUnwrap(run.jsonObject?["targets"] as? [[String: Any]], run.stdout)
        var graph: [String: [String]] = [:]
        for target in targets {
            let name = try XCTUnwrap(target["name"] as? String)
            // Each entry is {"byName": [name, condition]}, {"target": [name, condition]} or
            // {"product": [name, package, aliases, condition]}: the name comes first in every kind.
            graph[name] = try (target["dependencies"] as? [[String: Any]] ?? []).map { entry in
                let kind = try XCTUnwrap(entry.first, "\(name): an empty dependency")
                return try XCTUnwrap((kind.value as? [Any])?.first as? String, "\(name): \(entry)")
            }
        }
        return graph
    }

    /// Everything `target` depends on, directly or through other targets.
    private func closure(of target: String, in graph: [String: [String]]) -> Set<String> {
        var found: Set<String> = [], pending = graph[target] ?? []
        while let next = pending.popLast() {
            if found.insert(next).inserted { pending += graph[next] ?? [] }
        }
        return found
    }

    func testDependenciesRunOneWay() throws {
        let graph = try directDependencies()
        let rules: [(target: String, never: Set<String>)] = [
            ("CoTFA", ["GRDB", "COpenBLAS", "Store", "Renderer"]),
            ("Store", ["Renderer", "COpenBLAS", "CCurl"]),
            ("Renderer", ["Store", "CoTFA", "GRDB"]),
            ("AnnotationRecord", ["COpenBLAS", "GRDB", "CCurl", "CFFmpeg"]),
            ("CLIPTokenization", ["COpenBLAS", "GRDB", "CCurl", "CFFmpeg"]),
            ("FusedAttention", ["COpenBLAS", "GRDB", "CCurl", "CFFmpeg", "Renderer"]),
            ("DirectConvolution", ["COpenBLAS", "GRDB", "CCurl", "CFFmpeg", "Renderer"]),
        ]
        for (target, never) in rules {
            XCTAssertNotNil(graph[target], "\(target) is not a target of the package")
            let reached = closure(of: target, in: graph)
            XCTAssertEqual(reached.intersection(never), [], "\(target) depends on \(reached.intersection(never).sorted())")
        }
    }

    /// The closures are computed from real edges: the command line reaches everything the rules keep apart,
    /// products of other packages included, and CoTFA reaches what it does use.
    func testTheClosureFollowsTargetsAndProducts() throws {
        let graph = try directDependencies()
        let everything = closure(of: "tbd", in: graph)
        XCTAssertTrue(everything.isSuperset(of: ["GRDB", "COpenBLAS", "CCurl", "CFFmpeg", "Store", "Renderer", "CoTFA", "ArgumentParser"]),
                      "tbd reaches only \(everything.sorted())")
        XCTAssertTrue(closure(of: "CoTFA", in: graph).isSuperset(of: ["CCurl", "FACSKnowledge", "AnnotationRecord", "Logging"]))
        XCTAssertTrue(closure(of: "Store", in: graph).contains("GRDB"))
        XCTAssertTrue(closure(of: "Renderer", in: graph).isSuperset(of: ["COpenBLAS", "FusedAttention", "DirectConvolution"]))
    }
}
