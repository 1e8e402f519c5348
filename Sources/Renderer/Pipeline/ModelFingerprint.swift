import Foundation
import ContentHashing

/// The content identity of a diffusers model folder, for render records and the names of rendered clips: SHA-256
/// over `model_index.json`, each component's config files and the whole of each weights file. A fine-tuned
/// checkpoint can keep every size, header and leading tensor of the one it replaces (training only the motion
/// modules does), so nothing short of the whole content tells them apart; at ~1-2 GB/s that costs seconds for an
/// SD1.5-size checkpoint, once per `tbd render`.
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
                    digest.update(try SHA256Digest.hex(ofFileAt: url) + "\n")
                }
            }
        }
        return digest.finishHex()
    }
}
