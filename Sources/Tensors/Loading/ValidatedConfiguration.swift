import FileAccess
import Foundation

/// A component's `config.json` that is decoded and then checked as a whole before anything is built from it.
package protocol ValidatedConfiguration: Decodable {
    func validate() throws
}

extension ValidatedConfiguration {
    /// Reads, decodes and validates; a missing file, malformed JSON or an unsupported value is a
    /// `ModelLoadingError` that names the file.
    package static func loadValidated(from url: URL) throws -> Self {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw ModelLoadingError.missingFile(url.path) }
        do {
            let configuration = try LocatingJSONDecoder.decode(Self.self, from: data)
            try configuration.validate()
            return configuration
        } catch let error as ModelLoadingError {
            throw error
        } catch {
            throw ModelLoadingError.invalidConfiguration(FileErrorText.describe(error, path: url.path))
        }
    }
}
