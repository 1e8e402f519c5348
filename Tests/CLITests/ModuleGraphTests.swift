import Foundation
import TestSupport
import XCTest

/// The module graph runs one way (docs/architecture.md): read from the manifest as SwiftPM resolves it
/// (`swift package dump-package`), each target's transitive dependencies must leave out what sits above it
/// or beside it, and each target's declared dependencies must be exactly what its sources import.
final class ModuleGraphTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Modules of the toolchain and the system: importing them needs no declared dependency.
    private static let systemModules: Set<String> = [
        "Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Musl", "Darwin", "XCTest", "Dispatch", "os",
        "Synchronization",
    ]

    /// The modules each product of another package provides, by product name. A product missing here fails the
    /// import check until its modules are named.
    private static let productModules: [String: Set<String>] = [
        "Crypto": ["Crypto"], "GRDB": ["GRDB"], "ArgumentParser": ["ArgumentParser"], "Logging": ["Logging"], "CSV": ["CSV"],
        "PostgresNIO": ["PostgresNIO"], "NIOCore": ["NIOCore"], "NIOPosix": ["NIOPosix"], "NIOSSL": ["NIOSSL"],
    ]

    /// One target as the manifest declares it.
    private struct Target {
        var name: String
        var type: String
        /// The folder of its sources, relative to the package root.
        var path: String
        /// Files and folders below `path` that are not sources: excluded ones and resources.
        var notSources: [String]
        /// Targets, and products of other packages, by name.
        var dependencies: [String]
        /// Which of `dependencies` are products of other packages.
        var products: Set<String>
    }

    /// The package's targets, from `swift package dump-package`.
    private func manifestTargets() throws -> [Target] {
        let scratch = try makeTemporaryFolder("tbd-dump-package")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // A scratch folder of its own, so this never waits on the lock of the build that is running the tests.
        let run = try BuiltProgram.run(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            ["swift", "package", "--package-path", Self.root.path, "--scratch-path", scratch.path, "dump-package"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let entries = try XCTUnwrap(run.jsonObject?["targets"] as? [[String: Any]], run.stdout)
        return try entries.map { entry in
            let name = try XCTUnwrap(entry["name"] as? String)
            let type = try XCTUnwrap(entry["type"] as? String, name)
            let folder = ["test": "Tests", "plugin": "Plugins"][type] ?? "Sources"
            let resources = (entry["resources"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            var target = Target(
                name: name, type: type, path: entry["path"] as? String ?? "\(folder)/\(name)",
                notSources: (entry["exclude"] as? [String] ?? []) + resources, dependencies: [], products: [])
            // Each entry is {"byName": [name, condition]}, {"target": [name, condition]} or
            // {"product": [name, package, aliases, condition]}: the name comes first in every kind.
            for dependency in entry["dependencies"] as? [[String: Any]] ?? [] {
                let kind = try XCTUnwrap(dependency.first, "\(name): an empty dependency")
                let dependencyName = try XCTUnwrap((kind.value as? [Any])?.first as? String, "\(name): \(dependency)")
                target.dependencies.append(dependencyName)
                if kind.key == "product" { target.products.insert(dependencyName) }
            }
            return target
        }
    }

    /// Each target of the package and the names it depends on directly: targets, and products of other packages.
    private func directDependencies() throws -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: try manifestTargets().map { ($0.name, $0.dependencies) })
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
            // The tensor runtime imports no diffusion code, no media, no tokenizer and no database.
            ("Tensors", ["Renderer", "Store", "CoTFA", "GRDB", "CCurl", "CFFmpeg", "MediaIO", "CLIPTokenization"]),
            // A network outside the renderer builds on the runtime alone: its tests prove it.
            ("TensorsTests", ["Renderer", "Store", "CoTFA", "GRDB", "CCurl", "CFFmpeg", "MediaIO", "CLIPTokenization"]),
            ("DatasetLayout", ["COpenBLAS", "GRDB", "CCurl", "CFFmpeg", "MediaIO", "AnnotationRecord", "FACSKnowledge"]),
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
        XCTAssertTrue(closure(of: "Renderer", in: graph).isSuperset(of: ["Tensors", "COpenBLAS", "FusedAttention", "DirectConvolution"]))
        XCTAssertTrue(closure(of: "TensorsTests", in: graph).isSuperset(of: ["Tensors", "COpenBLAS", "CPUFeatures"]))
    }

    /// The declared dependencies are the real ones: every module a target's Swift files import (with attributes
    /// such as `@testable`, and under `#if canImport` too) is declared, and every declared dependency is imported.
    /// A C target's imports are the targets whose public headers it includes. The toolchain's and the system's
    /// modules need no declaration; plugins, whose dependencies are tools they run, and system-library shims
    /// and binary targets, which have no sources, are left out.
    func testEveryTargetDeclaresExactlyWhatItImports() throws {
        let targets = try manifestTargets()
        let targetNames = Set(targets.map(\.name))
        var headerOwners: [String: String] = [:]
        for target in targets {
            for header in try files(below: "\(target.path)/include", target: nil) where header.hasSuffix(".h") {
                headerOwners[(header as NSString).lastPathComponent] = target.name
            }
        }
        var problems: [String] = []
        var checked = 0
        for target in targets where !["plugin", "system", "binary"].contains(target.type) {
            let sources = try files(below: target.path, target: target)
            let swiftFiles = sources.filter { $0.hasSuffix(".swift") }
            let cFiles = sources.filter { $0.hasSuffix(".c") || $0.hasSuffix(".h") }
            if swiftFiles.isEmpty && cFiles.isEmpty {
                problems.append("\(target.name): no Swift or C sources under \(target.path)")
                continue
            }
            var imported: Set<String> = []
            for file in swiftFiles { imported.formUnion(Self.swiftImports(in: try source(file))) }
            for file in cFiles {
                let included = Self.cIncludes(in: try source(file)).map { ($0 as NSString).lastPathComponent }
                imported.formUnion(included.compactMap { headerOwners[$0] })
            }
            imported.subtract(Self.systemModules)
            // A C target includes its own headers; a Swift file of a module importing that module is a mistake.
            if imported.remove(target.name) != nil, cFiles.isEmpty {
                problems.append("\(target.name) imports itself")
            }
            var declared: [String: String] = [:]
            for dependency in target.dependencies {
                if target.products.contains(dependency) || !targetNames.contains(dependency) {
                    guard let modules = Self.productModules[dependency] else {
                        problems.append("\(target.name): product \(dependency): name its modules in ModuleGraphTests.productModules")
                        continue
                    }
                    for module in modules { declared[module] = dependency }
                } else {
                    declared[dependency] = dependency
                }
            }
            for module in imported.subtracting(declared.keys).sorted() {
                problems.append("\(target.name) imports \(module) without declaring it")
            }
            let used = Set(imported.compactMap { declared[$0] })
            for dependency in Set(declared.values).subtracting(used).sorted() {
                problems.append("\(target.name) declares \(dependency) but never imports it")
            }
            checked += 1
        }
        XCTAssertEqual(problems, [], "\n" + problems.joined(separator: "\n"))
        XCTAssertGreaterThan(checked, 30, "the check reached only \(checked) targets")
    }

    /// The check reads imports the way the compiler does, and nothing that merely looks like one.
    func testImportsAreReadWithTheirAttributesAndNotFromComments() {
        let text = """
            import Foundation
            @testable import Store
            @_spi(Development) import Tensors
            @preconcurrency import Logging
            #if canImport(CMalloc)
                import CMalloc
            #endif
            public import GRDB
            import struct CSV.CSVReader
            /// Use it as `import Nothing`.
            // import Commented
            let text = \"\"\"
            import InAString
            \"\"\"
            /* import InABlock */
            """
        XCTAssertEqual(Self.swiftImports(in: text), ["Foundation", "Store", "Tensors", "Logging", "CMalloc", "GRDB", "CSV"])
        XCTAssertEqual(Self.cIncludes(in: "#include \"CPUFeatures.h\"\n#include <string.h>\n// #include \"Old.h\"\n"), ["CPUFeatures.h", "string.h"])
    }

    /// The modules a Swift file imports, leaving out comments and multi-line string literals.
    private static func swiftImports(in text: String) -> Set<String> {
        let code = removing([#"/\*[\s\S]*?\*/"#, #""""[\s\S]*?""""#], from: text)
        return Set(matches(
            #"^[ \t]*(?:@[A-Za-z_]+(?:\([^)\n]*\))?[ \t]+)*(?:(?:public|package|internal|fileprivate|private)[ \t]+)?import[ \t]+"#
                + #"(?:(?:typealias|struct|class|enum|protocol|let|var|func)[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)"#,
            in: code))
    }

    /// The headers a C file includes, by the name written.
    private static func cIncludes(in text: String) -> [String] {
        matches(#"^[ \t]*#[ \t]*include[ \t]*[<"]([^>"\n]+)[>"]"#, in: removing([#"/\*[\s\S]*?\*/"#], from: text))
    }

    private static func removing(_ patterns: [String], from text: String) -> String {
        patterns.reduce(text) { text, pattern in
            text.replacingOccurrences(of: pattern, with: "", options: .regularExpression)
        }
    }

    private static func matches(_ pattern: String, in text: String) -> [String] {
        let expression = try! NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// Files below `folder` (relative to the package root), as paths relative to the root, leaving out what
    /// `target` excludes or holds as resources. No files when the folder does not exist.
    private func files(below folder: String, target: Target?) throws -> [String] {
        let base = Self.root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        let skipped = (target?.notSources ?? []).map { folder + "/" + $0 }
        var found: [String] = []
        for case let url as URL in walker {
            let relative = folder + "/" + url.path.dropFirst(base.path.count + 1)
            if skipped.contains(where: { relative == $0 || relative.hasPrefix($0 + "/") }) {
                walker.skipDescendants()
                continue
            }
            if try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true { found.append(relative) }
        }
        return found.sorted()
    }

    private func source(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }
}
