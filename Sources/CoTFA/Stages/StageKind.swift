/// The stages of the chain, in order.
enum StageKind: Int, CaseIterable, Sendable {
    case facialInformation = 1, actionUnits, muscles, promptDesign

    var title: String {
        switch self {
        case .facialInformation: "I facial information"
        case .actionUnits: "II action units"
        case .muscles: "III muscles"
        case .promptDesign: "IV prompt design"
        }
    }

    var templateName: String {
        switch self {
        case .facialInformation: "stage1-facial-information"
        case .actionUnits: "stage2-action-units"
        case .muscles: "stage3-muscles"
        case .promptDesign: "stage4-prompt-design"
        }
    }
}
