import Store
import Foundation

/// The state of one curator's review screen and what each key does to it. Drawing lives in `ReviewScreen`;
/// the terminal and $EDITOR live in `ReviewTerminalApp`.
public final class ReviewSession {
    public enum Mode: Equatable {
        case reviewing, help, pickingReason, writingNote(RejectReason), editingFilter
        /// `a` on a revision with this many error findings: y approves anyway, any other key cancels.
        case confirmingApproval(errorFindings: Int)
    }

    public enum Outcome: Equatable {
        case redraw, quit
        /// Open $EDITOR on this text, then call `finishEdit`.
        case edit(String)
        /// Open this file (the item's reference) in the curator's viewer.
        case view(String)
    }

    public struct Message: Equatable {
        public enum Tone { case info, success, error }
        public var text: String
        public var tone: Tone
    }

    public let store: ProjectStore
    public let curator: String
    public private(set) var filter: ReviewFilter
    public private(set) var detail: AnnotationDetail?
    public private(set) var mode: Mode = .reviewing
    public private(set) var input = ""
    public private(set) var message: Message?
    public private(set) var expandedStages: Set<Int> = []
    public private(set) var scroll = 0
    /// The picture shows the whole frame instead of the face crop (`f`); kept from item to item, as a curator's
    /// preference, until `f` again.
    public private(set) var showsWholeFrame = false
    public private(set) var counts = StatusCounts(pending: 0, approved: 0, rejected: 0)
    public private(set) var decisionsLastHour = 0
    /// Items matching the filter, counted when it changes and while the curator pauses, and kept current in
    /// between by this session's own decisions.
    public private(set) var matchingFilter: Int?
    /// Approvals and rejections made in this session, and when the first one was made (the curator's pace).
    public private(set) var decidedThisSession = 0
    /// The decisions counted in `decidedThisSession`, so undoing one of them takes it back off.
    private var sessionDecisions: Set<Int64> = []
    private var firstDecisionAt: Date?
    private var lastDecisionAt: Date?
    /// The store's status counts when `matchingFilter` was last counted.
    private var countsAtFilterCount: StatusCounts?

    /// A reviewer's decisions are final and settle items whose curators disagreed.
    public let role: CuratorRole

    public init(store: ProjectStore, curator: String, filter: ReviewFilter = .pending, role: CuratorRole = .curator) {
        self.store = store
        self.curator = curator
        self.filter = filter
        self.role = role
    }

    /// In queue mode (the filter asks for pending items) every shown item is claimed; otherwise the screen browses.
    public var isQueueMode: Bool { filter.status == .pending }

    /// What the picture shows: when the item's reference has a stored face, that frame cropped to the face (or
    /// whole, after `f`); otherwise the subject's file as it is.
    public var picture: ReferencePicture? {
        guard let detail else { return nil }
        guard let face = detail.referenceFace else { return ReferencePicture(path: detail.subject.sourcePath) }
        return ReferencePicture(
            path: detail.subject.sourcePath, frameIndex: face.frameIndex, crop: showsWholeFrame ? nil : PictureCrop.face(face))
    }

    /// Whether this curator holds the current item.
    public var holdsCurrent: Bool { detail?.claim?.curator == curator }

    public func start() {
        perform { try self.moveForward(from: nil) }
        refreshCounts()
        refreshFilterCount()
    }

    /// Seconds left for the items matching the filter at this session's pace so far; nil before two decisions.
    public var secondsLeft: Double? {
        guard decidedThisSession >= 2, let first = firstDecisionAt, let last = lastDecisionAt, let matchingFilter,
              filter.status == .pending else { return nil }
        let perItem = last.timeIntervalSince(first) / Double(decidedThisSession - 1)
        return perItem * Double(matchingFilter)
    }

    private func refreshFilterCount() {
        countsAtFilterCount = try? store.statusCounts()
        matchingFilter = try? store.count(filter: filter)
    }

    /// `screenFits`: whether the terminal is at least `ReviewScreen.minimumSize`. Below it the screen shows only a
    /// notice, so only the keys that need nothing on screen act: q quits and ? lists the keys. A decision made on
    /// an item the curator cannot see would be a decision made blind.
    public func handle(_ key: ReviewKey, screenFits: Bool = true) -> Outcome {
        guard screenFits else { return handleWhileTooSmall(key) }
        switch mode {
        case .help:
            mode = .reviewing
            return .redraw
        case .pickingReason:
            return pickReason(key)
        case .writingNote(let reason):
            return editLine(key) { note in
                self.mode = .reviewing
                self.step(.reject(reason, note: note.isEmpty ? nil : note), verb: "rejected")
            }
        case .confirmingApproval:
            mode = .reviewing
            if key == .character("y") || key == .character("Y") {
                step(.approve(note: nil, force: true), verb: "approved")
            } else {
                message = Message(text: "not approved", tone: .info)
            }
            return .redraw
        case .editingFilter:
            return editLine(key) { text in
                self.mode = .reviewing
                self.perform {
                    let parsed = try ReviewFilter.parse(text)
                    self.releaseCurrent()
                    self.filter = parsed
                    try self.moveForward(from: nil)
                    self.refreshFilterCount()
                    self.message = Message(text: "filter: \(parsed.text)", tone: .info)
                }
            }
        case .reviewing:
            return review(key)
        }
    }

    /// Stores what came back from $EDITOR as a new revision when it differs.
    public func finishEdit(_ text: String) {
        guard let detail else { return }
        perform {
            let contents = try PromptEditFile.parse(text)
            let current = detail.current
            if contents.coarse == current.coarsePrompt && contents.fine == current.finePrompt && contents.aus == current.aus {
                self.message = Message(text: "no change", tone: .info)
                return
            }
            let revision = try self.store.edit(
                id: detail.id, curator: self.curator, coarse: contents.coarse, fine: contents.fine, aus: contents.aus)
            try self.load(detail.id)
            let errors = revision.findings.filter { $0.severity == .error }
            if errors.isEmpty {
                self.message = Message(text: "saved revision \(revision.number) of #\(detail.id): a approves it", tone: .success)
            } else {
                let list = errors.map { "\($0.kind.rawValue): \($0.message)" }.joined(separator: "; ")
                self.message = Message(
                    text: "saved revision \(revision.number) of #\(detail.id) with \(Self.errorCount(errors.count)) (\(list)): a asks before approving",
                    tone: .error)
            }
        }
        refreshCounts()
    }

    /// Keeps this curator's claim alive while the screen is open; called on a timer.
    public func renewClaimIfDue(now: Date = Date()) {
        guard let claim = detail?.claim, claim.curator == curator,
              claim.expiresAt.timeIntervalSince(now) < store.options.leaseDuration / 2 else { return }
        perform {
            let renewed = try self.store.renew(id: claim.annotationID, curator: self.curator)
            self.detail?.claim = renewed
        }
    }

    /// A note from outside the session (the viewer was started), shown on the message line.
    public func inform(_ text: String) {
        message = Message(text: text, tone: .info)
    }

    /// Shows a failure from outside the session (the editor) on the message line.
    public func report(_ error: Error) {
        message = Message(text: "\(error)", tone: .error)
    }

    /// Gives the current item back when the curator leaves.
    public func close() {
        releaseCurrent()
        idle()
    }

    /// Called when no key has come for a moment: folds the WAL into the database file then, so that work never
    /// lands on a key press (the store is opened without automatic checkpoints). A failure only delays it.
    public func idle() {
        try? store.checkpoint()
        // The filter's full count is the costly part (tens of milliseconds at 100,000 items); the status counts,
        // kept by triggers, say cheaply whether anyone decided anything since it was taken.
        if let current = try? store.statusCounts(), current != countsAtFilterCount { refreshFilterCount() }
    }

    /// "1 error finding", "2 error findings".
    static func errorCount(_ count: Int) -> String { "\(count) error finding\(count == 1 ? "" : "s")" }

    // MARK: Keys

    private func handleWhileTooSmall(_ key: ReviewKey) -> Outcome {
        switch key {
        case .character("q"), .interrupt:
            return .quit
        case .character("?"):
            mode = mode == .help ? .reviewing : .help
            message = nil
        default:
            message = Message(text: "only q and ? act until the terminal is larger", tone: .info)
        }
        return .redraw
    }

    private func review(_ key: ReviewKey) -> Outcome {
        message = nil
        switch key {
        case .character("q"), .interrupt:
            return .quit
        case .character("?"):
            mode = .help
        case .character("a"):
            let errors = detail?.current.findings.filter { $0.severity == .error }.count ?? 0
            if errors > 0 && detail?.status == .pending {
                mode = .confirmingApproval(errorFindings: errors)
            } else {
                step(.approve(note: nil), verb: "approved")
            }
        case .character("r"):
            if detail != nil { mode = .pickingReason }
        case .character("e"):
            if let detail { return .edit(PromptEditFile.render(detail)) }
        case .character("v"):
            if let path = detail?.subject.sourcePath { return .view(path) }
        case .character("f"):
            if detail?.referenceFace == nil {
                message = Message(text: "no face is stored for this reference: the picture is the whole frame", tone: .info)
            } else {
                showsWholeFrame.toggle()
                message = Message(text: showsWholeFrame ? "picture: the whole frame (f: the face)" : "picture: the face (f: the whole frame)", tone: .info)
            }
        case .character("s"):
            step(.skip, verb: "skipped")
        case .character("n"):
            perform { try self.moveForward(from: self.detail?.id) }
        case .character("p"):
            perform { try self.moveBackward() }
        case .character("u"):
            perform {
                let undone = try self.store.undoLast(curator: self.curator)
                if self.detail?.id != undone.annotationID { self.releaseCurrent() }
                try self.load(undone.annotationID)
                if let reverted = undone.undoesDecisionID, self.sessionDecisions.remove(reverted) != nil {
                    self.decidedThisSession -= 1
                }
                self.message = Message(text: "undid the decision on #\(undone.annotationID): \(undone.statusBefore.rawValue) -> \(undone.statusAfter.rawValue)", tone: .success)
            }
            refreshCounts()
            // The item is back in (or out of) the filter: count again rather than keep a number one off.
            refreshFilterCount()
        case .character("/"):
            // An empty line: the curator types the new filter, the status line shows the one in force.
            mode = .editingFilter
            input = ""
        case .character(let digit) where ("1"..."4").contains(digit):
            let index = Int(String(digit))!
            if expandedStages.contains(index) { expandedStages.remove(index) } else { expandedStages.insert(index) }
        case .character("j"), .down:
            scroll += 1
        case .character("k"), .up:
            scroll = max(0, scroll - 1)
        case .pageDown, .character(" "):
            scroll += 10
        case .pageUp:
            scroll = max(0, scroll - 10)
        default:
            break
        }
        return .redraw
    }

    private func pickReason(_ key: ReviewKey) -> Outcome {
        switch key {
        case .escape, .character("q"):
            mode = .reviewing
            message = Message(text: "reject cancelled", tone: .info)
        case .character(let digit) where digit.isNumber:
            let reasons = RejectReason.allCases
            if let index = Int(String(digit)), (1...reasons.count).contains(index) {
                mode = .writingNote(reasons[index - 1])
                input = ""
            }
        default:
            break
        }
        return .redraw
    }

    private func editLine(_ key: ReviewKey, commit: @escaping (String) -> Void) -> Outcome {
        switch key {
        case .escape, .interrupt:
            mode = .reviewing
            input = ""
            message = Message(text: "cancelled", tone: .info)
        case .enter:
            let text = input.trimmingCharacters(in: .whitespaces)
            input = ""
            commit(text)
        case .backspace:
            if !input.isEmpty { input.removeLast() }
        case .clearLine:
            input = ""
        case .character(let character):
            if input.count < 500 { input.append(character) }
        default:
            break
        }
        return .redraw
    }

    // MARK: Moving and deciding

    /// A decision or a skip. In queue mode it and the next claim are one commit; browsing decides and moves on.
    private func step(_ step: ProjectStore.QueueStep, verb: String) {
        guard let id = detail?.id else { return }
        var decision: Decision?
        perform {
            if isQueueMode && holdsCurrent {
                let (made, next) = try store.advance(from: id, by: step, curator: curator, filter: filter, role: role)
                decision = made
                detail = nil
                scroll = 0
                if let next { try load(next.annotationID) }
            } else {
                switch step {
                case .approve(let note, let force):
                    decision = try store.approve(id: id, curator: curator, note: note, role: role, force: force)
                    detail?.claim = nil
                case .reject(let reason, let note):
                    decision = try store.reject(id: id, curator: curator, reason: reason, note: note, role: role)
                    detail?.claim = nil
                case .skip:
                    break
                }
                try moveForward(from: id)
            }
            message = Message(text: "\(verb) #\(id)", tone: step == .skip ? .info : .success)
        }
        if step != .skip {
            refreshCounts()
            if let decision { recordDecision(decision.id) }
        }
    }

    private func moveForward(from id: Int64?) throws {
        releaseCurrent()
        scroll = 0
        if isQueueMode {
            if let claim = try store.claimNext(curator: curator, filter: filter, after: id) {
                try load(claim.annotationID)
            } else {
                detail = nil
            }
        } else if let next = try store.neighbour(of: id, filter: filter, forward: true) ?? store.neighbour(of: nil, filter: filter, forward: true) {
            try load(next)
        } else {
            detail = nil
        }
    }

    private func moveBackward() throws {
        guard let previous = try store.neighbour(of: detail?.id, filter: filter, forward: false) else {
            message = Message(text: "this is the first item", tone: .info)
            return
        }
        releaseCurrent()
        scroll = 0
        try load(previous)
    }

    /// Shows an item, claiming it when it is pending; someone else's claim leaves it read-only.
    private func load(_ id: Int64) throws {
        var shown = try store.show(id: id)
        if shown.status == .pending && shown.claim?.curator != curator {
            do {
                shown.claim = try store.claim(id: id, curator: curator)
            } catch let error as StoreError {
                message = Message(text: "\(error): read-only", tone: .error)
            }
        }
        detail = shown
    }

    private func releaseCurrent() {
        guard let detail, detail.claim?.curator == curator else { return }
        try? store.release(id: detail.id, curator: curator)
        self.detail?.claim = nil
    }

    private func recordDecision(_ id: Int64) {
        let now = Date()
        sessionDecisions.insert(id)
        decidedThisSession += 1
        if firstDecisionAt == nil { firstDecisionAt = now }
        lastDecisionAt = now
        if filter.status == .pending, let count = matchingFilter { matchingFilter = max(0, count - 1) }
    }

    private func refreshCounts() {
        perform {
            self.counts = try self.store.statusCounts()
            self.decisionsLastHour = try self.store.decisionsInLastHour(curator: self.curator)
        }
    }

    /// Runs a store call; a refusal becomes the message line instead of an exit.
    private func perform(_ body: () throws -> Void) {
        do {
            try body()
        } catch {
            message = Message(text: "\(error)", tone: .error)
        }
    }
}
