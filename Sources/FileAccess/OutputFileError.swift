import Foundation
import Glibc

/// Writing an output file failed: `description` names the file and the reason in plain words ("no space left on
/// device" for ENOSPC); so does `localizedDescription`, which would otherwise read "OutputFileError error 1".
public struct OutputFileError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    init(path: String, errno code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)).lowercased())
    }

    public var description: String { "cannot write \(path): \(reason)" }

    public var errorDescription: String? { description }
}
