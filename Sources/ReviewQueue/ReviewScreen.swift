import AnnotationRecord
import SafeText
import Store
import FACSKnowledge
import Foundation

/// Lays out one frame of the review screen as rows of styled text. It reads the session and draws; it changes
/// nothing, so a frame can be rendered into a string for tests and benchmarks as well as to the terminal.
public struct ReviewScreen {
    public var width: Int
    public var height: Int
    public var color: TerminalColorSupport
    /// Half-block rows of the current item's reference frame, `pictureSize` cells, or nil.
    public var picture: [String]?
    public let table: FACSTable?

    /// The layout needs this much; below it the screen says so instead of drawing a cut-down queue, and only the
    /// keys that need nothing on screen act (`ReviewSession.handle(_:screenFits:)`).
    public static let minimumSize = (width: 80, height: 24)

    public static func fits(width: Int, height: Int) -> Bool {
        width >= minimumSize.width && height >= minimumSize.height
    }
    /// Columns the text beside the picture keeps at the least.
    static let textColumnsBesidePicture = 60

    /// The largest square picture that fits beside the text: half-block cells are one pixel wide and two tall,
    /// so a square face takes twice as many columns as rows. 16x8 cells at 80x24, 84x42 at 160x45.
    public static func pictureSize(width: Int, height: Int) -> (columns: Int, rows: Int) {
        let byWidth = width - 1 - textColumnsBesidePicture - 2
        let byHeight = 2 * (height - 3)
        let columns = max(16, min(byWidth, byHeight)) / 2 * 2
        return (columns, columns / 2)
    }

    public init(width: Int, height: Int, color: TerminalColorSupport, picture: [String]? = nil, table: FACSTable? = try? FACSTable.bundled()) {
        self.width = width
        self.height = height
        self.color = color
        self.picture = picture
        self.table = table
    }

    /// The escape output that paints the whole frame from the top-left corner.
    public func frame(_ session: ReviewSession) -> String {
        var output = "\u{1B}[?25l\u{1B}[H"
        let rows = lines(session)
        for (index, row) in rows.enumerated() {
            output += row.rendered + "\u{1B}[0m\u{1B}[K"
            if index < rows.count - 1 { output += "\r\n" }
        }
        return output
    }

    /// Exactly `height` rows, none wider than `width - 1` columns (the last column stays empty so no row wraps).
    public func lines(_ session: ReviewSession) -> [StyledLine] {
        let usable = width - 1
        guard Self.fits(width: width, height: height) else { return tooSmallLines(session, usable) }
        var rows = [titleLine(session, usable)]
        let bodyHeight = height - 3
        let showsPicture = picture != nil && session.mode == .reviewing && session.detail != nil
        let pictureSize = Self.pictureSize(width: width, height: height)
        let narrow = usable - pictureSize.columns - 2
        let bodyLines = body(session, width: { row in showsPicture && row < pictureSize.rows ? narrow : usable })
        let maxScroll = max(0, bodyLines.count - bodyHeight)
        let scroll = min(session.scroll, maxScroll)
        for screenRow in 0..<bodyHeight {
            let index = screenRow + scroll
            var line = index < bodyLines.count ? bodyLines[index] : StyledLine()
            if showsPicture, let picture, index < picture.count {
                line.pad(to: narrow + 2)
                line.appendRaw(picture[index], columns: pictureSize.columns)
            }
            rows.append(line)
        }
        if scroll < maxScroll, var last = rows.last {
            last.pad(to: usable - 10)
            if last.columns <= usable - 10 { last.append("  more ↓ j", .dim) }
            rows[rows.count - 1] = last
        }
        rows.append(messageLine(session, usable))
        rows.append(statusLine(session, usable))
        return rows
    }

    /// The notice, the two keys that act, the last message, and with `?` the list of keys: whatever fits.
    private func tooSmallLines(_ session: ReviewSession, _ usable: Int) -> [StyledLine] {
        var texts = [
            "terminal too small: \(width)x\(height), needs \(Self.minimumSize.width)x\(Self.minimumSize.height)",
            "q quits, ? lists the keys; others need a larger terminal",
        ]
        if let message = session.message { texts.append(TerminalText.sanitize(message.text)) }
        if session.mode == .help { texts += Self.help.map { "  " + $0.0.padding(toLength: 10, withPad: " ", startingAt: 0) + $0.1 } }
        let rows = texts.prefix(max(0, height)).map { StyledLine(TerminalText.truncate($0, width: max(0, usable))) }
        return rows + Array(repeating: StyledLine(), count: max(0, height - rows.count))
    }

    // MARK: Rows

    private func titleLine(_ session: ReviewSession, _ usable: Int) -> StyledLine {
        var left = " tbd review"
        if let detail = session.detail {
            left += "  #\(detail.id)  \(detail.status.rawValue.uppercased())  rev \(detail.current.number)/\(detail.revisions.count)"
        }
        let right = "curator \(TerminalText.sanitize(session.curator)) "
        var line = StyledLine()
        let gap = max(1, usable - TerminalText.columns(left) - TerminalText.columns(right))
        line.append(TerminalText.truncate(left + String(repeating: " ", count: gap) + right, width: usable), .inverse + .bold)
        return line
    }

    private func messageLine(_ session: ReviewSession, _ usable: Int) -> StyledLine {
        switch session.mode {
        case .writingNote(let reason):
            return inputLine("\(reason.rawValue) note (Enter saves, Esc cancels): ", session.input, usable)
        case .editingFilter:
            return inputLine("new filter (\(ReviewFilter.keys.joined(separator: " "))): ", session.input, usable)
        case .confirmingApproval(let errors):
            return StyledLine(TerminalText.truncate("approve with \(ReviewSession.errorCount(errors))? y/n", width: usable), .red + .bold)
        case .pickingReason:
            return StyledLine(TerminalText.truncate("reject: press 1-\(RejectReason.allCases.count) for the reason, Esc to cancel", width: usable), .yellow)
        case .help:
            return StyledLine(TerminalText.truncate("any key closes the help", width: usable), .dim)
        case .reviewing:
            guard let message = session.message else {
                return StyledLine(TerminalText.truncate(Self.keysThatApply(session), width: usable), .dim)
            }
            let style: TerminalStyle = message.tone == .error ? .red + .bold : message.tone == .success ? .green : .plain
            return StyledLine(TerminalText.truncate(TerminalText.sanitize(message.text), width: usable), style)
        }
    }

    private func inputLine(_ prompt: String, _ input: String, _ usable: Int) -> StyledLine {
        var line = StyledLine(TerminalText.truncate(prompt, width: usable * 2 / 3), .yellow)
        let room = max(1, usable - line.columns - 1)
        var shown = TerminalText.sanitize(input)
        // Keep the end of a long input in view, where the curator is typing.
        while TerminalText.columns(shown) > room - 1 { shown.removeFirst() }
        line.append(shown)
        line.append("▏", .bold)
        return line
    }

    private func statusLine(_ session: ReviewSession, _ usable: Int) -> StyledLine {
        let counts = session.counts
        let totals = " pending \(Self.grouped(counts.pending)) · approved \(Self.grouped(counts.approved)) · rejected \(Self.grouped(counts.rejected))"
            + " │ you \(session.decisionsLastHour)/h │ \(session.filter.text) "
        var text = totals
        if let matching = session.matchingFilter {
            // The whole sentence where it fits, else a short form that leaves room for the totals.
            let left = session.secondsLeft.map(Self.duration)
            let here = "\(Self.grouped(matching)) \(session.filter.status?.rawValue ?? "items") here"
            let long = " \(here) · \(session.decidedThisSession) decided by you" + (left.map { " · ~\($0) left at your pace" } ?? "") + " │"
            let short = " \(here) · you \(session.decidedThisSession)" + (left.map { " · ~\($0)" } ?? "") + " │"
            text = (TerminalText.columns(long + totals) <= usable ? long : short) + totals
        }
        var line = StyledLine()
        line.append(TerminalText.truncate(TerminalText.sanitize(text), width: usable), .inverse)
        line.pad(to: usable, .inverse)
        return line
    }

    // MARK: Body

    private func body(_ session: ReviewSession, width: @escaping (Int) -> Int) -> [StyledLine] {
        var builder = BodyBuilder(width: width)
        switch session.mode {
        case .help:
            for (keys, meaning) in Self.help { builder.add("  " + keys.padding(toLength: 12, withPad: " ", startingAt: 0) + meaning) }
            builder.blank()
            builder.add("Filter terms: status=pending|approved|rejected|any emotion=E level=1-3 actor=A backend=B findings=yes|no conflict=yes|no", .dim)
            builder.add("Token counts come from SD1.5's CLIP tokenizer, start and end tokens included, against its 77-token window.", .dim)
            return builder.lines
        case .pickingReason:
            builder.add("Reject #\(session.detail?.id ?? 0): why?", .bold)
            for (index, reason) in RejectReason.allCases.enumerated() {
                builder.add("  \(index + 1)  \(reason.label)")
            }
            return builder.lines
        default:
            break
        }
        guard let detail = session.detail else {
            builder.blank()
            builder.add("No item matches \(session.filter.text).", .bold)
            builder.add("Press / to change the filter, u to undo your last decision, q to quit.")
            return builder.lines
        }
        describeSubject(detail, session: session, into: &builder)
        builder.blank()
        prompt("COARSE", detail.current.coarsePrompt, into: &builder)
        prompt("FINE", detail.current.finePrompt, into: &builder)
        chips(detail.current.aus.map(\.description), into: &builder)
        revisionChanges(detail, into: &builder)
        findings(detail.current.findings, into: &builder)
        stages(detail.stages, expanded: session.expandedStages, into: &builder)
        history(detail, into: &builder)
        return builder.lines
    }

    private func describeSubject(_ detail: AnnotationDetail, session: ReviewSession, into builder: inout BodyBuilder) {
        let subject = detail.subject
        let level = "level \(detail.level.rawValue) \(detail.level.word)"
        let parts = [subject.actorID ?? "no actor", detail.emotion, level, subject.view ?? "no view", subject.kind.rawValue]
        builder.add(TerminalText.sanitize(parts.joined(separator: " · ")), .bold)
        builder.add("file  " + TerminalText.sanitize(subject.sourcePath), .dim)
        let model = [detail.backend, detail.modelID ?? "no model", detail.mode.rawValue, "template \(detail.templateVersion)"]
        builder.add("model " + TerminalText.sanitize(model.joined(separator: " · ")), .dim)
        if let conflict = detail.conflict { conflictBanner(conflict, session: session, into: &builder) }
        if let claim = detail.claim {
            let time = Self.clock(claim.expiresAt)
            if claim.curator == session.curator {
                builder.add("claimed by you until \(time)", .green)
            } else {
                builder.add("claimed by \(TerminalText.sanitize(claim.curator)) until \(time): read-only", .yellow + .bold)
            }
        } else if let decidedBy = detail.decidedBy, let decidedAt = detail.decidedAt {
            builder.add("\(detail.status.rawValue) by \(TerminalText.sanitize(decidedBy)) at \(Self.clock(decidedAt))", detail.status == .approved ? .green : .red)
        }
    }

    /// Who said what, so the reviewer settling a disagreement sees it before deciding; a curator browsing sees
    /// that the item waits for a reviewer.
    private func conflictBanner(_ conflict: ReviewConflict, session: ReviewSession, into builder: inout BodyBuilder) {
        let responses = conflict.responses.map { response in
            let verb = response.decision == ReviewAction.approve.rawValue ? "approved" : "rejected"
            return "\(response.curator) \(verb)" + (response.reason.map { " (\($0))" } ?? "")
        }
        let what = session.role == .reviewer ? "your decision is final and settles it" : "it waits for a reviewer"
        builder.add(
            TerminalText.sanitize("CONFLICT on rev \(conflict.revision): \(responses.joined(separator: ", ")); \(what)"),
            .inverse + .red + .bold)
    }

    private func prompt(_ label: String, _ text: String, into builder: inout BodyBuilder) {
        var header = StyledLine(label, .bold + .cyan)
        if let tokens = PromptTokenCount.count(text) {
            let over = tokens > PromptTokenCount.budget
            header.append("  \(tokens)/\(PromptTokenCount.budget) CLIP tokens\(over ? ", over budget: the text encoder cuts the rest" : "")", over ? .red + .bold : .dim)
        } else {
            header.append("  CLIP token count unavailable", .dim)
        }
        builder.add(header)
        guard let kept = Self.withinBudget(text) else {
            builder.add(TerminalText.sanitize(text.isEmpty ? "(empty)" : text, keepNewlines: true), .bold, indent: 2)
            return
        }
        // The part the text encoder reads, then the part it drops, marked so the curator sees what is lost.
        builder.add(TerminalText.sanitize(kept, keepNewlines: true), .bold, indent: 2)
        builder.add("✂ cut: " + TerminalText.sanitize(String(text.dropFirst(kept.count)).trimmingCharacters(in: .whitespaces)), .red, indent: 2)
    }

    /// The longest word prefix of an over-budget prompt that fits CLIP's window; nil when the whole text fits
    /// (or cannot be counted). A search over word counts, so a long prompt costs a few tokenisations.
    static func withinBudget(_ text: String) -> String? {
        guard let total = PromptTokenCount.count(text), total > PromptTokenCount.budget else { return nil }
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        var low = 0, high = words.count
        while low < high {
            let middle = (low + high + 1) / 2
            if let count = PromptTokenCount.count(words.prefix(middle).joined(separator: " ")), count <= PromptTokenCount.budget {
                low = middle
            } else {
                high = middle - 1
            }
        }
        return words.prefix(low).joined(separator: " ")
    }

    /// What the shown revision changed against the one before it: removed words in [-...], added in [+...].
    private func revisionChanges(_ detail: AnnotationDetail, into builder: inout BodyBuilder) {
        guard let previous = detail.revisions.last(where: { $0.number < detail.current.number }) else { return }
        let current = detail.current
        var lines: [String] = []
        for (label, old, new) in [("coarse", previous.coarsePrompt, current.coarsePrompt), ("fine", previous.finePrompt, current.finePrompt)] {
            let diff = RevisionDiff(from: old, to: new)
            guard diff.changed else { continue }
            let text = diff.pieces.map { piece -> String in
                switch piece {
                case .same(let words): words
                case .removed(let words): "[-\(words)]"
                case .added(let words): "[+\(words)]"
                }
            }.joined(separator: " ")
            lines.append("\(label): \(text)")
        }
        let removed = previous.aus.filter { !current.aus.contains($0) }.map { "-\($0)" }
        let added = current.aus.filter { !previous.aus.contains($0) }.map { "+\($0)" }
        if !(removed + added).isEmpty { lines.append("AUs: " + (removed + added).joined(separator: " ")) }
        guard !lines.isEmpty else { return }
        builder.add("rev \(current.number) changed (from rev \(previous.number), by \(TerminalText.sanitize(current.author)))", .bold + .yellow)
        for line in lines { builder.add(TerminalText.sanitize(line), .yellow, indent: 2) }
    }

    private func chips(_ aus: [String], into builder: inout BodyBuilder) {
        var line = StyledLine("AUs ", .bold + .cyan)
        if aus.isEmpty { line.append("none", .dim) }
        for au in aus {
            let notation = TerminalText.sanitize(au)
            let code = Self.codeNumber(au)
            let name = code.flatMap { table?.code($0)?.name } ?? "unknown code"
            let text = " \(notation) \(name) "
            let width = builder.width(builder.lines.count)
            if line.columns + TerminalText.columns(text) + 1 > width && line.columns > 4 {
                builder.add(line)
                line = StyledLine("    ")
            }
            line.append(TerminalText.truncate(text, width: width - line.columns), .chip(background: name == "unknown code" ? 217 : 153))
            line.append(" ")
        }
        builder.add(line)
    }

    private func findings(_ findings: [Finding], into builder: inout BodyBuilder) {
        guard !findings.isEmpty else {
            builder.add("findings: none", .dim)
            return
        }
        builder.add("findings (\(findings.count))", .bold + .cyan)
        for finding in findings.sorted(by: { $0.severity > $1.severity }) {
            let style: TerminalStyle = finding.severity == .error ? .red + .bold : finding.severity == .warning ? .yellow : .blue
            let mark = finding.severity == .error ? "✖" : finding.severity == .warning ? "▲" : "·"
            builder.add(TerminalText.sanitize("\(mark) \(finding.severity.rawValue) \(finding.kind.rawValue): \(finding.message)"), style, indent: 2)
        }
    }

    private func stages(_ stages: [StageRecord], expanded: Set<Int>, into builder: inout BodyBuilder) {
        for stage in stages {
            let title = TerminalText.sanitize("\(stage.index) \(stage.title)")
            let text = TerminalText.sanitize(stage.text, keepNewlines: expanded.contains(stage.index))
            if expanded.contains(stage.index) {
                builder.add("▾ " + title, .bold + .magenta)
                builder.add(text, indent: 2)
            } else {
                var line = StyledLine("▸ " + title, .magenta)
                let room = builder.width(builder.lines.count) - line.columns - 2
                if room > 4 { line.append("  " + TerminalText.truncate(text, width: room), .dim) }
                builder.add(line)
            }
        }
    }

    private func history(_ detail: AnnotationDetail, into builder: inout BodyBuilder) {
        guard !detail.decisions.isEmpty else { return }
        builder.add("history", .bold + .cyan)
        for decision in detail.decisions.suffix(5) {
            var text = "\(Self.clock(decision.createdAt)) \(decision.curator) \(decision.action.rawValue)"
            if let reason = decision.reason { text += " (\(reason.rawValue))" }
            if let note = decision.note { text += ": \(note)" }
            text += "  \(decision.statusBefore.rawValue) -> \(decision.statusAfter.rawValue), rev \(decision.revisionAfter)"
            builder.add(TerminalText.sanitize(text), .dim, indent: 2)
        }
    }

    // MARK: Helpers

    static let help: [(String, String)] = [
        ("a", "approve the current revision (asks first when it has error findings)"),
        ("r", "reject: pick a reason, then an optional note"),
        ("e", "edit prompts and AUs in $EDITOR (a new revision)"),
        ("v", "open the reference file in $TBD_VIEWER (else xdg-open)"),
        ("f", "picture: the face crop or the whole frame (when a face is stored)"),
        ("s", "skip: give the item back and go on"),
        ("u", "undo your last decision"),
        ("n / p", "next / previous item in the filter"),
        ("/", "filter the queue"),
        ("1-4", "expand or collapse a stage"),
        ("j k ↑ ↓", "scroll; PgUp PgDn and space by pages"),
        ("?", "this help"),
        ("q", "quit (gives back the claimed item)"),
    ]

    /// The footer: only the keys that do something now. Deciding needs an item this curator may decide (pending
    /// and not held by someone else, or shown while browsing); with no item only filtering, undo and quitting do.
    static func keysThatApply(_ session: ReviewSession) -> String {
        guard let detail = session.detail else { return "/ filter  u undo  ? help  q quit" }
        let othersClaim = detail.claim.map { $0.curator != session.curator } ?? false
        var keys: [String] = []
        if detail.status == .pending && !othersClaim { keys += ["a approve", "r reject"] }
        if detail.status != .rejected && !othersClaim { keys.append("e edit") }
        keys.append("v view")
        if detail.referenceFace != nil { keys.append(session.showsWholeFrame ? "f face" : "f frame") }
        if session.holdsCurrent { keys.append("s skip") }
        keys += ["u undo", "n/p next/prev", "/ filter", "1-\(detail.stages.count) stages", "? help", "q quit"]
        return keys.joined(separator: "  ")
    }

    /// The code number of a notation such as "R12A" or "6C"; nil when it has none.
    static func codeNumber(_ notation: String) -> Int? {
        let digits = notation.drop { !$0.isNumber }.prefix { $0.isNumber }
        return Int(digits)
    }

    /// "40 s", "3 min", "2 h 5 min".
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min" }
        return "\(total / 3600) h \(total % 3600 / 60) min"
    }

    static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date) + "Z"
    }

    static func grouped(_ number: Int) -> String {
        let digits = String(number)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}

/// Accumulates body rows, wrapping text to each row's width.
struct BodyBuilder {
    let width: (Int) -> Int
    private(set) var lines: [StyledLine] = []

    init(width: @escaping (Int) -> Int) {
        self.width = width
    }

    mutating func add(_ text: String, _ style: TerminalStyle = .plain, indent: Int = 0) {
        let start = lines.count
        let pad = String(repeating: " ", count: indent)
        for line in TerminalText.wrap(text, width: { self.width(start + $0) - indent }) {
            lines.append(StyledLine(pad + line, style))
        }
    }

    mutating func add(_ line: StyledLine) {
        lines.append(line)
    }

    mutating func blank() {
        lines.append(StyledLine())
    }
}
