import ContentHashing
import Foundation

/// MEAD's 80/20 split by actor, as the paper trains: a fifth of the actors (rounded up, at least one when there
/// are two or more) are held out for testing, chosen by the SHA-256 of their names so the choice depends on nothing
/// but the set of actors. Clips without an actor (HDTF, other data) go to training.
public enum ActorSplit {
    public static let testFraction = 0.2

    public static func testActors(_ actors: Set<String>) -> [String] {
        guard actors.count >= 2 else { return [] }
        let count = max(1, Int((Double(actors.count) * testFraction).rounded(.up)))
        return Array(actors.sorted { SHA256Digest.hex(of: $0) < SHA256Digest.hex(of: $1) }.prefix(count)).sorted()
    }
}
