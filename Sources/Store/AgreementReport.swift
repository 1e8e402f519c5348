/// How far curators agree when several decide the same items: percent agreement and Fleiss' kappa over all
/// items, per emotion and on reject reasons, and Cohen's kappa per pair of curators. Kappa is nil where chance
/// agreement is already total (every rating in one category), since it is undefined there.
public struct AgreementReport: Codable, Sendable, Equatable {
    public struct Measure: Codable, Sendable, Equatable {
        /// Items with at least two ratings.
        public var items: Int
        /// The share of agreeing pairs of ratings, item by item, averaged over the items.
        public var percentAgreement: Double?
        public var kappa: Double?
    }

    public struct Pair: Codable, Sendable, Equatable {
        public var curators: [String]
        public var items: Int
        public var percentAgreement: Double?
        /// Cohen's kappa over the items both decided.
        public var kappa: Double?
    }

    public struct EmotionMeasure: Codable, Sendable, Equatable {
        public var emotion: String
        public var items: Int
        public var percentAgreement: Double?
        public var kappa: Double?
    }

    /// Approve against reject.
    public var items: Int
    public var percentAgreement: Double?
    public var kappa: Double?
    /// The same with each reject reason its own category (approve, wrong_emotion, ...).
    public var reasons: Measure
    public var pairs: [Pair]
    public var byEmotion: [EmotionMeasure]

    /// One curator's standing decision on one item.
    public struct Rating: Sendable, Equatable {
        public var annotationID: Int64
        public var emotion: String
        public var curator: String
        /// "approve" or "reject".
        public var decision: String
        /// "approve" or the reject reason.
        public var reason: String

        public init(annotationID: Int64, emotion: String, curator: String, decision: String, reason: String) {
            self.annotationID = annotationID
            self.emotion = emotion
            self.curator = curator
            self.decision = decision
            self.reason = reason
        }
    }

    public init(ratings: [Rating]) {
        let byItem = Dictionary(grouping: ratings, by: \.annotationID).filter { $0.value.count >= 2 }
        let overall = Self.fleiss(byItem.values.map { $0.map(\.decision) })
        items = byItem.count
        percentAgreement = overall.agreement
        kappa = overall.kappa
        let reasonMeasure = Self.fleiss(byItem.values.map { $0.map(\.reason) })
        reasons = Measure(items: byItem.count, percentAgreement: reasonMeasure.agreement, kappa: reasonMeasure.kappa)
        byEmotion = Dictionary(grouping: byItem.values, by: { $0[0].emotion }).keys.sorted().map { emotion in
            let groups = byItem.values.filter { $0[0].emotion == emotion }.map { $0.map(\.decision) }
            let measure = Self.fleiss(groups)
            return EmotionMeasure(emotion: emotion, items: groups.count, percentAgreement: measure.agreement, kappa: measure.kappa)
        }
        let curators = Set(ratings.map(\.curator)).sorted()
        var pairs: [Pair] = []
        for (index, first) in curators.enumerated() {
            for second in curators[(index + 1)...] {
                let shared: [(String, String)] = byItem.values.compactMap { group in
                    guard let a = group.first(where: { $0.curator == first }), let b = group.first(where: { $0.curator == second }) else { return nil }
                    return (a.decision, b.decision)
                }
                guard !shared.isEmpty else { continue }
                let measure = Self.cohen(shared)
                pairs.append(Pair(curators: [first, second], items: shared.count, percentAgreement: measure.agreement, kappa: measure.kappa))
            }
        }
        self.pairs = pairs
    }

    /// Fleiss' kappa with each item's own number of ratings: P_i = (sum n_ij^2 - n_i) / (n_i (n_i - 1)).
    static func fleiss(_ items: [[String]]) -> (agreement: Double?, kappa: Double?) {
        let rated = items.filter { $0.count >= 2 }
        guard !rated.isEmpty else { return (nil, nil) }
        var totals: [String: Int] = [:]
        var agreementSum = 0.0
        for ratings in rated {
            let counts = Dictionary(grouping: ratings, by: { $0 }).mapValues(\.count)
            for (category, count) in counts { totals[category, default: 0] += count }
            let n = Double(ratings.count)
            let squares = counts.values.reduce(0.0) { $0 + Double($1 * $1) }
            agreementSum += (squares - n) / (n * (n - 1))
        }
        let observed = agreementSum / Double(rated.count)
        let all = Double(totals.values.reduce(0, +))
        let chance = totals.values.reduce(0.0) { $0 + pow2(Double($1) / all) }
        return (observed, chance < 1 ? (observed - chance) / (1 - chance) : nil)
    }

    /// Cohen's kappa for two raters over the same items.
    static func cohen(_ pairs: [(String, String)]) -> (agreement: Double?, kappa: Double?) {
        guard !pairs.isEmpty else { return (nil, nil) }
        let n = Double(pairs.count)
        let observed = Double(pairs.filter { $0.0 == $0.1 }.count) / n
        let categories = Set(pairs.flatMap { [$0.0, $0.1] })
        let chance = categories.reduce(0.0) { sum, category in
            sum + Double(pairs.filter { $0.0 == category }.count) / n * Double(pairs.filter { $0.1 == category }.count) / n
        }
        return (observed, chance < 1 ? (observed - chance) / (1 - chance) : nil)
    }

    private static func pow2(_ value: Double) -> Double { value * value }
}
