/// The paper's ablation (Table 2): prompts from the label alone, one direct question, or the four-stage chain.
public enum AnnotationMode: String, Sendable, Codable, CaseIterable {
    case label
    case describe
    case cot
}
