import TallyPlan
import TallyRun
import TallySource
import TallyValues
import Foundation

/// Turns decisions and adjustments into `decisions.jsonl` lines, hash-chained: each
/// record carries the previous record's hash in `prev` and its own in `hash`, the
/// SHA-256 of the line without its `hash` member. Editing, removing or reordering a
/// record breaks the chain (`tally verify`).
public struct DecisionLog: Sendable {
    let plan: Plan
    let redactor: Redactor?
    var previous = HashChain.genesis
    /// The JSONL text, as bytes.
    /// The JSONL text not yet written to `file` (all of it when there is no file).
    public private(set) var bytes: [UInt8] = []
    /// Where records go as they are chained, a few megabytes at a time, so a large run
    /// never holds its whole ledger (1.6 GB on the reference kit's large data).
    var file: FileHandle?
    /// The hash of the last record: the head of the chain.
    public var lastHash: String { previous }
    /// Records written, the header included.
    public private(set) var count = 0
    var decisions = 0
    var adjustments = 0

    /// The records, one line each.
    public var lines: [String] {
        bytes.split(separator: 10).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A log that starts with `header` (none for rule scenarios, which read the records
    /// only); `redactor` replaces personal identifiers.
    public init(plan: Plan, header: RunHeader?, redactor: Redactor? = nil) {
        self.plan = plan
        self.redactor = redactor
        if let header { append(header.members(plan: plan)) }
    }

    /// What the redactor makes of a value (the value itself without one).
    func shown(_ text: String) -> String { redactor?.scrub(text) ?? text }

    func money(_ minor: Int64) -> JSON { .string(Value.moneyText(minor, digits: plan.currency.minorUnits)) }

    /// A record's JSON up to (not including) its `prev` member: it does not depend on
    /// the chain, so records can be rendered in parallel.
    func head(_ members: [(String, JSON)]) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(2048)
        JSON.object(members).write(into: &body, indent: nil, level: 0)
        body.removeLast()  // the closing brace: `prev` and `hash` follow
        return body
    }

    /// Chains a rendered record: `prev`, then the hash of the record with `prev`.
    mutating func chain(_ head: [UInt8]) {
        previous = HashChain.seal(head, previous: previous, into: &bytes)
        count += 1
        if let file, bytes.count >= 1 << 22 {
            file.write(Data(bytes))
            bytes.removeAll(keepingCapacity: true)
        }
    }

    /// Closes the log with the `end` record: how many records came before it (so that
    /// records removed from the end are noticed) and the digest of each other output
    /// file of the run (so that an edited statement is noticed too).
    public mutating func close(outputs: [FileDigest] = []) {
        append([("type", .string("end")), ("records", .int(Int64(count))), ("decisions", .int(Int64(decisions))),
                ("adjustments", .int(Int64(adjustments))),
                ("outputs", .array(outputs.map { .object([("file", .string($0.name)), ("sha256", .string($0.sha256 ?? ""))]) }))])
        if let file {
            file.write(Data(bytes))
            bytes = []
            try? file.close()
            self.file = nil
        }
    }

    mutating func append(_ members: [(String, JSON)]) {
        chain(head(members))
    }

    /// Appends every record of a run: decisions in processing order, then adjustments.
    public mutating func append(_ result: RunResult) {
        append(decisions: result.decisions, adjustments: result.adjustments)
    }

    /// Appends decisions, then adjustments. Records are rendered on every core, then
    /// chained in order (rendering is most of the work: 3.3 s to 2.0 s on the reference
    /// kit's medium data with two cores).
    public mutating func append(decisions: [Decision], adjustments: [AdjustmentRecord]) {
        let total = decisions.count + adjustments.count
        let rendered = Slots(capacity: total)
        defer { rendered.release() }
        let chunk = 4096
        let log = self
        DispatchQueue.concurrentPerform(iterations: (total + chunk - 1) / chunk) { part in
            for index in (part * chunk)..<min(total, (part + 1) * chunk) {
                rendered[index] = index < decisions.count
                    ? log.head(log.record(decisions[index]))
                    : log.head(log.record(adjustments[index - decisions.count]))
            }
        }
        bytes.reserveCapacity(bytes.count + rendered.base.reduce(0) { $0 + $1.count + 140 })
        for index in 0..<total { chain(rendered[index]) }
        self.decisions += decisions.count
        self.adjustments += adjustments.count
    }

    /// Rendered records by index. Each parallel iteration writes only its own indices,
    /// and the buffer is read only after `concurrentPerform` returns.
    final class Slots: @unchecked Sendable {
        let base: UnsafeMutableBufferPointer<[UInt8]>
        init(capacity: Int) {
            base = .allocate(capacity: capacity)
            base.initialize(repeating: [])
        }
        subscript(index: Int) -> [UInt8] {
            get { base[index] }
            set { base[index] = newValue }
        }
        func release() {
            base.deinitialize()
            base.deallocate()
        }
    }

    func record(_ decision: Decision) -> [(String, JSON)] {
        let trace = decision.trace
        let order = trace.order
        var orderMembers: [(String, JSON)] = [
            ("id", .string(order.id)), ("at", .string(Value.timestampText(order.at))), ("date", .string(order.localDate.description)),
            ("channel", .string(order.channel)), ("customer", .string(redactor?.pseudonym(order.customer) ?? order.customer)), ("new_customer", .bool(order.isNewCustomer)),
            ("currency", .string(order.currency)), ("net", .string(Value.moneyText(order.net, digits: order.netMinorUnits))),
        ]
        if let rate = order.rate {
            orderMembers += [("fx_rate", .string(rate.description)), ("net_converted", money(order.convertedNet)),
                             ("converted_to", .string(plan.currency.code))]
        }
        let touches: [JSON] = trace.touches.map { touch in
            var members: [(String, JSON)] = [("evidence", .string(touch.evidence)), ("id", .string(touch.id)),
                                              ("referrer", .string(touch.referrer)), ("at", .string(Value.timestampText(touch.at)))]
            if !touch.code.isEmpty { members.append((touch.evidence == "survey" ? "answer" : "code", .string(shown(touch.code)))) }
            members.append(("kept", .bool(touch.excluded == nil)))
            if let why = touch.excluded { members.append(("excluded", .string(shown(why)))) }
            return .object(members)
        }
        let rules: [JSON] = trace.rules.map { rule in
            var members: [(String, JSON)] = [("rule", .string(rule.rule)), ("title", .string(rule.title)),
                                              ("outcome", .string(rule.outcome.rawValue)), ("at", .string(rule.location))]
            if let failed = rule.failed { members.append(("failed", .string(shown(failed)))) }
            if let label = rule.label { members.append(("because", .string(label))) }
            if !rule.saw.isEmpty { members.append(("saw", saw(rule.saw))) }
            if let by = rule.replacedBy { members.append(("replaced_by", .string(by))) }
            if let amount = rule.amount { members.append(("amount", money(amount))) }
            if !rule.arithmetic.isEmpty { members.append(("arithmetic", .array(rule.arithmetic.map(JSON.string)))) }
            return .object(members)
        }
        let fraud: [JSON] = trace.fraud.map { check in
            .object([("check", .string(check.reason)), ("subject", .string(check.subject)), ("action", .string(check.action)), ("condition", .string(check.condition)),
                     ("saw", saw(check.saw)), ("at", .string(check.location))])
        }
        let adjustments: [JSON] = trace.adjustments.map { adjustment in
            .object([("kind", .string(adjustment.kind)), ("rule", .string(adjustment.rule)), ("before", money(adjustment.before)),
                     ("after", money(adjustment.after)), ("note", .string(shown(adjustment.note)))])
        }
        var members: [(String, JSON)] = [
            ("id", .string(decision.id)), ("type", .string("decision")), ("order", .string(decision.order)),
            ("referrer", .string(decision.referrer)), ("status", .string(decision.status.rawValue)),
            ("outcome", .string(shown(outcome(decision)))),
            ("amount", money(decision.amount)), ("rule_total", money(decision.ruleTotal)), ("currency", .string(plan.currency.code)),
            ("payable_on", decision.payableOn.map { .string($0.description) } ?? .null),
        ]
        if let reason = decision.reason { members.append(("reason", .string(shown(reason)))) }
        members.append(("lines", .array(decision.lines.map { .object([("rule", .string($0.rule)), ("amount", money($0.amount))]) })))
        members.append(("trace", .object([
            ("order", .object(orderMembers)),
            ("touches", .array(touches)),
            ("evidence", .string(trace.evidence)),
            ("model", .string(trace.model)),
            ("weights", .object(trace.weights.map { ($0.referrer, .string($0.weight)) })),
            ("credit", .object([("weight", .string(trace.credit.weight)), ("share", .string(trace.credit.share)),
                                ("net", money(trace.credit.net)), ("gross", money(trace.credit.gross)),
                                ("shipping", money(trace.credit.shipping)), ("arithmetic", .string(trace.credit.arithmetic))])),
            ("fraud", .array(fraud)),
            ("rules", .array(rules)),
            ("adjustments", .array(adjustments)),
            ("resolution", trace.resolution.map { .string(shown($0)) } ?? .null),
        ])))
        return members
    }

    /// Values a condition saw, by expression; an expression seen twice is written once
    /// (keys of a JSON object are unique, so that any JSON reader re-creates the line).
    func saw(_ pairs: [(String, String)]) -> JSON {
        var seen = Set<String>()
        return .object(pairs.compactMap { seen.insert($0.0).inserted ? ($0.0, .string(shown($0.1))) : nil })
    }

    /// The outcome in words: paid by named rules, blocked by a named rule, or no rule.
    func outcome(_ decision: Decision) -> String {
        switch decision.status {
        case .rejected: return "blocked by fraud check \"\(decision.reason ?? "")\""
        case .capped: return "blocked by \(decision.reason ?? "a limit")"
        case .noRule: return "no applicable rule"
        case .held: return "held for review: \(decision.reason ?? "")" + (decision.lines.isEmpty ? "" : "; rules " + decision.lines.map(\.rule).joined(separator: ", "))
        case .pending, .payable: return "paid by " + decision.lines.map(\.rule).joined(separator: ", ")
        }
    }

    func record(_ adjustment: AdjustmentRecord) -> [(String, JSON)] {
        [("id", .string(adjustment.id)), ("type", .string(adjustment.kind.rawValue)), ("order", .string(adjustment.order)),
         ("referrer", .string(adjustment.referrer)), ("decision", .string(adjustment.decision)),
         ("status", .string(adjustment.kind.rawValue)), ("amount", money(adjustment.amount)), ("currency", .string(plan.currency.code)),
         ("at", .string(Value.timestampText(adjustment.at))), ("month", .string(adjustment.month.description)),
         ("reason", .string(shown(adjustment.reason))), ("arithmetic", .string(shown(adjustment.arithmetic)))]
            + (adjustment.corrects.map { [("corrects", JSON.string($0)), ("cause", .string(adjustment.cause ?? ""))] } ?? [])
    }

    /// Renders and chains decisions as the runner hands them over, on a queue of its own,
    /// so rendering runs beside evaluation and a large run never holds every trace.
    public final class Stream: @unchecked Sendable {
        // `log` is only touched on `queue` (and by `finish` after it drained).
        private var log: DecisionLog
        private let queue = DispatchQueue(label: "tally.decision-log")

        /// `file`, when given, receives the records as they are chained (see `DecisionLog.file`).
        public init(plan: Plan, header: RunHeader, redactor: Redactor?, file: FileHandle? = nil) {
            log = DecisionLog(plan: plan, header: header, redactor: redactor)
            if let file {
                log.file = file
                file.write(Data(log.bytes))
                log.bytes = []
            }
        }

        /// Takes one final decision.
        public func receive(_ decision: Decision) {
            queue.async {
                self.log.chain(self.log.head(self.log.record(decision)))
                self.log.decisions += 1
            }
        }

        /// Waits for every decision, appends the run's adjustments and returns the log,
        /// to be closed once the other outputs are known.
        public func finish(adjustments: [AdjustmentRecord]) -> DecisionLog {
            queue.sync {}
            log.append(decisions: [], adjustments: adjustments)
            return log
        }
    }
}
