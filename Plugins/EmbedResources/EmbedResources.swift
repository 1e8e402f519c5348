import Foundation
import PackagePlugin

/// Embeds the package files that a target lists in its `embedded-resources.txt` (paths relative to the
/// package root, one per line) as Swift source, so the module carries its data in the binary.
@main
struct EmbedResources: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let sourceTarget = target as? SourceModuleTarget else { return [] }
        let listURL = URL(fileURLWithPath: sourceTarget.directory.string).appendingPathComponent("embedded-resources.txt")
        guard let list = try? String(contentsOf: listURL, encoding: .utf8) else { return [] }
        let root = URL(fileURLWithPath: context.package.directory.string)
        let inputs = list.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { root.appendingPathComponent($0).path }
        let output = context.pluginWorkDirectory.appending("EmbeddedResources.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) resource file(s) into \(target.name)",
                executable: try context.tool(named: "resource-embedder").path,
                arguments: [output.string, root.path] + inputs,
                inputFiles: [Path(listURL.path)] + inputs.map { Path($0) },
                outputFiles: [output])
        ]
    }
}
