import SafeText
import Store

/// A command a review command prints as a hint, written so it runs as printed: the same database as the command
/// that printed it (`--db` when one was given), every word shell-quoted, escapes in paths shown inert.
enum ReviewCommandHint {
    static func command(_ arguments: [String], store: StoreOptions) -> String {
        var words = ["tbd"] + arguments
        if let db = store.db { words += ["--db", db] }
        return "`" + TerminalText.sanitize(words.map(shellQuoted).joined(separator: " ")) + "`"
    }

    /// A word as a POSIX shell reads it back: plain when it has only safe characters, else in single quotes.
    static func shellQuoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,")
        if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension ReviewCommandHint {
    /// `storeCall` for review decisions: a refusal the curator can act on ends with the command that acts on it.
    static func storeCall<Value>(_ store: StoreOptions, _ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch let error as StoreError {
            let text = TerminalText.sanitize(error.description)
            switch error {
            case .errorFindings(let id, _):
                throw CLIError("\(text): \(command(["review", "approve", String(id), "--force"], store: store))")
            case .awaitsReviewer(let id):
                throw CLIError("\(text): \(command(["review", "approve", String(id), "--role", "reviewer"], store: store)), or reject it with --role reviewer")
            default:
                throw CLIError(text)
            }
        }
    }
}
