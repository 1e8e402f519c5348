/// What an edit changed between two revisions of a prompt, word by word (a longest-common-subsequence diff), so
/// a curator sees the edit itself rather than two long prompts to compare by eye.
struct RevisionDiff: Equatable {
    enum Piece: Equatable {
        case same(String)
        case removed(String)
        case added(String)
    }

    let pieces: [Piece]

    var changed: Bool { pieces.contains { if case .same = $0 { false } else { true } } }

    init(from old: String, to new: String) {
        let before = old.split(separator: " ").map(String.init)
        let after = new.split(separator: " ").map(String.init)
        // lengths[i][j]: the longest common subsequence of before[i...] and after[j...].
        var lengths = Array(repeating: Array(repeating: 0, count: after.count + 1), count: before.count + 1)
        for i in stride(from: before.count - 1, through: 0, by: -1) {
            for j in stride(from: after.count - 1, through: 0, by: -1) {
                lengths[i][j] = before[i] == after[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var pieces: [Piece] = []
        func add(_ piece: Piece) {
            switch (pieces.last, piece) {
            case (.same(let a)?, .same(let b)): pieces[pieces.count - 1] = .same(a + " " + b)
            case (.removed(let a)?, .removed(let b)): pieces[pieces.count - 1] = .removed(a + " " + b)
            case (.added(let a)?, .added(let b)): pieces[pieces.count - 1] = .added(a + " " + b)
            default: pieces.append(piece)
            }
        }
        var i = 0, j = 0
        while i < before.count || j < after.count {
            if i < before.count, j < after.count, before[i] == after[j] {
                add(.same(before[i]))
                i += 1
                j += 1
            } else if i < before.count, j == after.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                add(.removed(before[i]))
                i += 1
            } else {
                add(.added(after[j]))
                j += 1
            }
        }
        self.pieces = pieces
    }
}
