import Foundation
import ContentHashing

/// A quick identity of a diffusers model folder for render records: SHA-256 over `model_index.json`, each
/// component's config files, and each weights file's size and first MiB. Reading whole multi-gigabyte files
/// would take longer than a short render; a changed config, a re-saved or differently sized file changes it.
public enum ModelFingerprint {
    public static func hex(of root: URL) throws -> String {
        var digest = SHA256Digest()
        let fileManager = FileManager.default
        let index = root.appendingPathComponent("model_index.json")
        digest.update(try Data(contentsOf: index))
        let folder = try DiffusersModelFolder(root: root)
        for name in folder.components.keys.sorted() {
            let directory = folder.components[name]!.directory
            let files = (try? fileManager.contentsOfDirectory(atPath: directory.path))?.sorted() ?? []
            for file in files {
                let url = directory.appendingPathComponent(file)
                digest.update("\(name)/\(file)\n")
                if file.hasSuffix(".json") || file.hasSuffix(".txt") {
                    digest.update(try Data(contentsOf: url))
                } else if file.hasSuffix(".safetensors") {
                    let size = (try fileManager.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
                    digest.update("size \(size)\n")
                    let handle = try FileHandle(forReadingFrom: url)
                    defer { try? handle.close() }
                    digest.update(try handle.read(upToCount: 1 << 20) ?? Data())
                }
            }
        }
        return digest.finishHex()
    }
}
