import Foundation

/// Plain sentences for the errors Foundation's file and JSON APIs throw. Their own descriptions on Linux read
/// `Error Domain=NSCocoaErrorDomain Code=260 "(null)" UserInfo={...}`, which tells a user nothing; every message
/// made here names the file and says what is wrong with it.
public enum FileErrorText {
    /// "PATH: reason" for `error`, which came from reading or writing `path`.
    public static func describe(_ error: Error, path: String) -> String {
        "\(path): \(reason(error))"
    }

    /// The reason alone: a POSIX message, a Cocoa file error in words, or where a JSON document went wrong.
    public static func reason(_ error: Error) -> String {
        if let decoding = error as? DecodingError { return reason(decoding) }
        if let output = error as? OutputFileError { return output.reason }
        let original = error
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return posixMessage(Int32(error.code)) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posixMessage(Int32(underlying.code))
        }
        guard error.domain == NSCocoaErrorDomain else {
            // A Swift error bridged to NSError describes itself as "Module.Type error 1"; its own description says more.
            return type(of: original) is NSError.Type ? error.localizedDescription : String(describing: original)
        }
        switch CocoaError.Code(rawValue: error.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file"
        case .fileReadNoPermission, .fileWriteNoPermission, .fileLocking: return "permission denied"
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "not a valid file name"
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding: return "not UTF-8 text"
        case .fileReadTooLarge: return "too large to read"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteVolumeReadOnly: return "the file system is read-only"
        case .fileWriteFileExists: return "already exists"
        case .propertyListReadCorrupt, .coderReadCorrupt, .fileReadCorruptFile: return "not valid JSON"
        default:
            return error.code >= CocoaError.Code.fileWriteUnknown.rawValue && error.code < 1000 ? "cannot be written" : "cannot be read"
        }
    }

    private static func reason(_ error: DecodingError) -> String {
        func place(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.enumerated().map { position, key in
                key.intValue.map { "[\($0)]" } ?? (position == 0 ? "" : ".") + key.stringValue
            }
            return path.isEmpty ? "" : path.joined() + ": "
        }
        // `LocatingJSONDecoder` says what it found in these words; Foundation's own descriptions are for developers.
        func found(_ context: DecodingError.Context) -> String {
            context.debugDescription.hasPrefix("found ") ? ", " + context.debugDescription : ""
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(place(context))expected \(typeName(type))\(found(context))"
        case .valueNotFound(let type, let context): return "\(place(context))expected \(typeName(type)), found null"
        case .keyNotFound(let key, let context): return "\(place(context))missing \"\(key.stringValue)\""
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            if context.debugDescription.hasSuffix(" is out of range") { return "\(place(context))\(context.debugDescription)" }
            return "\(place(context))a value out of range or of the wrong kind"
        @unknown default: return "not valid JSON"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is Int32.Type: return "a whole number"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default: return String(describing: type).hasPrefix("Array") ? "a list" : "a \(type)"
        }
    }

    private static func posixMessage(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
