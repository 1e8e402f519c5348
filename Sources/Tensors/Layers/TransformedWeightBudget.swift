import Foundation

/// How much memory Winograd's transformed weights may hold in all. A layer that keeps Winograd holds its weight
/// transformed (36 floats per 9, 4x the weight) beside the weight itself; kept for every layer that Winograd
/// makes faster, the SD1.5 UNet peaked at 2.4x its Float32 weights and the talking-head ReferenceNet and video
/// UNet at more than the 23 GiB of the machine they had run on in 10 GB before. So the transformed forms share a
/// budget, by default 0.25x the Float32 weights the process has loaded: an SD1.5 render at 64x64 latents peaks at
/// 1.22x its weights with no transformed weight held (1.09x with the direct kernel alone; timing the candidates at
/// each shape's first call holds a layer's forms side by side), so 0.25x keeps it within 1.5x.
///
/// The budget goes to the layers that save the most time per byte: every layer whose shape keeps Winograd applies
/// with the seconds Winograd saves it (its shape's first-call times: the runner-up's minus Winograd's) and its
/// transformed bytes, and the admitted set is the best ratios that fit. The layers of large images save the most
/// per byte (the saving grows with the positions, the bytes do not), so those keep Winograd and the 8x8 layers of
/// 1280-2560 channels are the first to run their runner-up instead. Applicants arrive during a network's first
/// evaluation, so a layer admitted early may be displaced by a better one later: the budget has it drop its form
/// at once (through the closure it gave when it began to hold), before the better one makes its own, so the held
/// bytes never pass the budget and the first evaluation ends with the forms later calls run on. Its earlier layers
/// may have run Winograd before they were displaced (or their runner-up before the capacity grew with a network
/// loaded later), so a network's first evaluation in a process can differ from later ones in the last bits, as
/// evaluations in two processes can (each times its own choices); `TBD_CONVOLUTION=direct` gives bit-for-bit
/// repeatable results.
///
/// `TBD_WINOGRAD_MEMORY` sets the budget as a multiple of the loaded Float32 weights (`0.25` by default; `0` runs
/// no layer on held Winograd unless forced) or `unlimited`; any other value stops the process with a message. A
/// workload whose activations already take most of the 1.5x may lower the default (`lowerDefault`), never a value
/// the user set: a talking-head render of 512x512 frames peaks at 1.40x its weights with nothing held, and at 1.70x
/// with the default budget.
package final class TransformedWeightBudget: @unchecked Sendable {
    package enum Limit: Equatable, Sendable {
        case unlimited
        /// A multiple of the Float32 weights loaded through `WeightReader`.
        case weights(Double)
        /// A fixed number of bytes (for checks).
        case bytes(Int)

        /// The limit a value of `TBD_WINOGRAD_MEMORY` names (unset or empty: 0.25x the weights); nil for one that names none.
        package init?(named value: String?) {
            guard let value, !value.isEmpty else { self = .weights(0.25); return }
            if value.lowercased() == "unlimited" { self = .unlimited; return }
            guard let multiple = Double(value), multiple.isFinite, multiple >= 0 else { return nil }
            self = .weights(multiple)
        }
    }

    /// The process's budget, its limit read once from `TBD_WINOGRAD_MEMORY`.
    package static let shared: TransformedWeightBudget = {
        let value = ProcessInfo.processInfo.environment["TBD_WINOGRAD_MEMORY"]
        guard let limit = Limit(named: value) else {
            fatalError("TBD_WINOGRAD_MEMORY is \"\(value ?? "")\": use a multiple of the Float32 weights (0.25 by default) or unlimited")
        }
        return TransformedWeightBudget(limit: limit, setByUser: !(value ?? "").isEmpty)
    }()

    private struct Applicant {
        let bytes: Int
        let secondsSaved: Double
        /// When it applied: among equal savings per byte the earlier keeps its place, so a tie displaces no one.
        let arrival: Int
    }

    private var currentLimit: Limit
    /// Whether the limit is one the user set, which `lowerDefault` leaves alone.
    private let setByUser: Bool
    private let lock = NSLock()
    private var loadedWeightBytes = 0
    private var applicants: [ObjectIdentifier: Applicant] = [:]
    private var arrivals = 0
    /// The applicants that fit, best ratio first; nil when applicants or the capacity changed since it was made.
    private var admitted: Set<ObjectIdentifier>?
    private var heldBytes = 0
    /// The layers whose forms are counted in `heldBytes`: their bytes, and how to make each drop its form.
    private var holders: [ObjectIdentifier: (bytes: Int, drop: () -> Void)] = [:]

    package init(limit: Limit, setByUser: Bool = true) { (currentLimit, self.setByUser) = (limit, setByUser) }

    package var limit: Limit { lock.withLock { currentLimit } }

    /// Lowers a default limit to `lower` (a user's limit stays): the layers held beyond it drop their forms at once,
    /// as displaced ones do, whether or not they are called again.
    package func lowerDefault(to lower: Limit) {
        let displaced: [() -> Void] = lock.withLock {
            guard !setByUser, currentLimit != lower else { return [] }
            currentLimit = lower
            admitted = nil
            let admitted = admittedLocked()
            return holders.filter { !admitted.contains($0.key) }.map(\.value.drop)
        }
        // Outside the lock: each drop takes its layer's lock and calls `release`.
        for drop in displaced { drop() }
    }

    /// Counts a weight tensor the process loaded, as Float32.
    package func addLoadedWeights(count: Int) {
        lock.withLock {
            loadedWeightBytes += count * MemoryLayout<Float>.size
            admitted = nil
        }
    }

    /// The bytes the transformed forms may take in all.
    package var capacity: Int { lock.withLock { capacityLocked } }

    private var capacityLocked: Int {
        switch currentLimit {
        case .unlimited: return .max
        case .weights(let multiple): return Int(multiple * Double(loadedWeightBytes))
        case .bytes(let bytes): return bytes
        }
    }

    /// The bytes the transformed forms held under this budget take now.
    package var held: Int { lock.withLock { heldBytes } }

    /// Whether `layer` may hold its transformed form (`bytes`, saving `secondsSaved` a call) now. Where it does not
    /// hold it yet (`holding` false) and may, its bytes are counted as held from here on: the layer makes the form
    /// and gives the bytes back with `release` when it drops it, and `drop` is how the budget has it drop the form
    /// when a better layer displaces it (`drop` must call `release`). A layer told no while holding drops its form.
    package func mayHold(_ layer: ObjectIdentifier, bytes: Int, secondsSaved: Double, holding: Bool,
                         drop: @escaping () -> Void) -> Bool {
        let displaced = lock.withLock {
            if applicants[layer] == nil {
                applicants[layer] = Applicant(bytes: bytes, secondsSaved: secondsSaved, arrival: arrivals)
                arrivals += 1
                admitted = nil
            }
            let admitted = admittedLocked()
            return holders.filter { $0.key != layer && !admitted.contains($0.key) }.map(\.value.drop)
        }
        // Outside the lock: each drop takes its layer's lock and calls `release`.
        for drop in displaced { drop() }
        return lock.withLock {
            guard admittedLocked().contains(layer) else { return false }
            if holding { return true }
            guard heldBytes <= capacityLocked - bytes else { return false }
            heldBytes += bytes
            holders[layer] = (bytes, drop)
            return true
        }
    }

    /// Gives back the bytes of a transformed form that `mayHold` counted.
    package func release(_ layer: ObjectIdentifier) {
        lock.withLock {
            if let holder = holders.removeValue(forKey: layer) { heldBytes -= holder.bytes }
        }
    }

    /// A layer that goes away (its network was freed) stops applying and gives back what it held.
    package func leave(_ layer: ObjectIdentifier) {
        lock.withLock {
            if let holder = holders.removeValue(forKey: layer) { heldBytes -= holder.bytes }
            if applicants.removeValue(forKey: layer) != nil { admitted = nil }
        }
    }

    private func admittedLocked() -> Set<ObjectIdentifier> {
        if let admitted { return admitted }
        let capacity = capacityLocked
        var chosen = Set<ObjectIdentifier>(), total = 0
        // Best saving per byte first; among equal ratios the earlier applicant.
        let ranked = applicants.sorted {
            let (left, right) = ($0.value.secondsSaved * Double($1.value.bytes), $1.value.secondsSaved * Double($0.value.bytes))
            return left != right ? left > right : $0.value.arrival < $1.value.arrival
        }
        for (layer, applicant) in ranked where applicant.secondsSaved > 0 && applicant.bytes <= capacity - total {
            chosen.insert(layer)
            total += applicant.bytes
        }
        admitted = chosen
        return chosen
    }
}
