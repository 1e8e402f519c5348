import Glibc

/// argv- and envp-style arrays for posix_spawn: NUL-terminated copies, nil-terminated, freed after `body`.
enum CStrings {
    static func with<Result>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Result) -> Result {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
