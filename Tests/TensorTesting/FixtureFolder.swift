import Foundation
import Tensors

/// A test target's committed parity fixtures (its `Fixtures` resource folder, written by the scripts under
/// scripts/ with pinned reference versions).
public struct FixtureFolder: Sendable {
    public let root: URL

    public init(bundle: Bundle) {
        root = bundle.resourceURL!.appendingPathComponent("Fixtures")
    }

    public func url(_ name: String) -> URL { root.appendingPathComponent(name) }

    public func safetensors(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: url(name))
    }

    public func json(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(name))) as! [String: Any]
    }
}
