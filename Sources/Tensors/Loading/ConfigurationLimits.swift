/// The ranges a model config's sizes must fall in, checked before anything is allocated: a config file comes from
/// outside, and a size such as `layers_per_block: 1e9` or `-1` would otherwise trap in a range or abort in an
/// allocation. The bounds are generous: several times the largest value any SD-family checkpoint uses.
package enum ConfigurationLimits {
    package static let imageChannels = 1...64
    package static let blocks = 1...8
    package static let channels = 1...8192
    package static let layersPerBlock = 1...16
    package static let transformerLayersPerBlock = 1...64
    package static let attentionHeads = 1...256
    package static let contextWidth = 1...8192
    package static let normGroups = 1...1024
    package static let frequencyShift = 0...16
    package static let padding = 0...8
    package static let sampleSize = 1...4096
    package static let textLayers = 1...128
    package static let textHidden = 1...16384
    package static let textIntermediate = 1...65536
    package static let vocabulary = 1...1_000_000
    package static let positions = 1...4096
    package static let trainTimesteps = 2...100_000

    /// Throws `invalidConfiguration` naming the component, the key and the range when `value` is outside it.
    package static func check(_ value: Int, _ range: ClosedRange<Int>, _ key: String, in component: String) throws {
        guard range.contains(value) else {
            throw ModelLoadingError.invalidConfiguration("\(component) config: \(key) must be \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }

    package static func check(_ values: [Int], _ range: ClosedRange<Int>, _ key: String, in component: String) throws {
        for value in values { try check(value, range, key, in: component) }
    }

    /// A positive, finite epsilon or factor below `upper`.
    package static func checkPositive(_ value: Double, below upper: Double, _ key: String, in component: String) throws {
        guard value.isFinite, value > 0, value < upper else {
            throw ModelLoadingError.invalidConfiguration("\(component) config: \(key) must be a positive number below \(upper), got \(value)")
        }
    }

    /// Refuses a config whose smallest possible set of weights is larger than what the weights file holds: a
    /// config that does not belong to the file is caught before its layers are built. `available` is nil for
    /// generated weights.
    package static func checkParameters(needed: Int, available: Int?, in component: String) throws {
        guard let available, needed > available else { return }
        throw ModelLoadingError.invalidConfiguration(
            "\(component) config needs at least \(needed) parameters but the weights file holds \(available): the config does not belong to these weights")
    }
}
