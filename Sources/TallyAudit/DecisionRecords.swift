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
    /// The header's `--trace` level: `none` writes decision records without `trace`.
    let traceDetail: TraceDetail
    var previous = HashChain.genesis
    /// The JSONL text, as bytes.
    /// The JSONL text not yet written to `file` (all of it when there is no file).
    public private(set) var bytes: [UInt8] = []
    /// Where records go as they are chained, a few megabytes at a time, so a large run
    /// never holds its whole ledger (1.6 GB on the reference kit's large data).
    var file: FileHandle? {
        didSet { writer = file.map { LedgerFileWriter(descriptor: $0.fileDescriptor) } }
    }
    /// Writes `file`'s bytes (see `LedgerFileWriter`).
    private var writer: LedgerFileWriter?
    /// Where records go instead of a file, to be compared with a recorded ledger as they
    /// are chained (`tally verify`), a few megabytes at a time.
    var comparison: LedgerComparison?
    /// Whether records leave the log as they are chained (to `file` or `comparison`).
    private var streams: Bool { file != nil || comparison != nil }
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
        self.traceDetail = header?.traceDetail ?? .full
        ruleHeads = RuleHeads(plan: plan)
        if let header { append(header.members(plan: plan)) }
    }

    /// The first members of every rule's trace entry, by rule and outcome, written once.
    private let ruleHeads: RuleHeads

    /// `"rule":ID,"title":TITLE,"outcome":OUTCOME,"at":PLACE` for each rule of a plan and
    /// each outcome, as JSON: the same for every decision (three of them a decision on
    /// the reference kit's data), so written once per plan and copied into each record.
    struct RuleHeads: Sendable {
        private var json: [UInt8] = []
        /// Where each head is in `json`, by rule index × outcomes + outcome.
        private var ranges: [Range<Int>] = []
        private static let outcomes = RuleTrace.Outcome.allCases
        /// By rule index: the text of its first pay clause, in storage of the renderer's
        /// own (see `clause`).
        private var firstClauses: [String?] = []

        init(plan: Plan) {
            // A fresh copy of each text: the plan's own is the one every trace the runner
            // makes holds, retained and let go of on the runner's core.
            firstClauses = plan.rules.map { rule in rule.payments.first.map { String(decoding: Array($0.text.utf8), as: UTF8.self) } }
            for rule in plan.rules {
                for outcome in RuleHeads.outcomes {
                    var out = JSONWriter(capacity: 256)
                    out.beginObject()
                    RuleHeads.write(rule: rule.id, title: rule.title, outcome: outcome, at: rule.location, into: &out)
                    let start = json.count
                    out.withBytes { json.append(contentsOf: $0.dropFirst()) }  // without the `{`
                    ranges.append(start..<json.count)
                }
            }
        }

        /// The members as every rule's entry starts (the words the heads are made of).
        static func write(rule: String, title: String, outcome: RuleTrace.Outcome, at place: String, into out: inout JSONWriter) {
            out.string("rule", rule)
            out.string("title", title)
            out.string("outcome", outcome.rawValue)
            out.string("at", place)
        }

        /// The text of the first pay clause of rule `index` (nil when the plan has no such
        /// rule or clause). A trace the runner made for that rule (with its rule index)
        /// holds this very text in its first payment's facts, from the plan: the renderer
        /// writes it from its own copy instead of copying the facts out of the trace. (The
        /// copy retained the plan's text, which the runner retains and lets go of for
        /// every rule it pays: the two cores took its reference count from each other, a
        /// third of the runner's time letting go of rule traces, on the reference kit's
        /// large data.)
        func clause(rule index: Int32) -> String? {
            guard index >= 0, Int(index) < firstClauses.count else { return nil }
            return firstClauses[Int(index)]
        }

        /// Writes the head of rule `index` with `outcome` into the object `out` is
        /// writing; false when the plan has no such rule.
        func write(rule index: Int32, outcome: RuleTrace.Outcome, into out: inout JSONWriter) -> Bool {
            guard index >= 0, let place = RuleHeads.outcomes.firstIndex(of: outcome) else { return false }
            let slot = Int(index) * RuleHeads.outcomes.count + place
            guard slot < ranges.count else { return false }
            json.withUnsafeBufferPointer { out.members(UnsafeBufferPointer(rebasing: $0[ranges[slot]])) }
            return true
        }
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

    /// Chains the records of a batch rendered and hashed elsewhere (see `RenderedBodies`)
    /// and takes them, after the log's own: written to `file` straight from the box, or
    /// kept in `bytes` without one.
    mutating func chain(_ bodies: RenderedBodies) {
        bodies.link(after: &previous)
        count += bodies.count
        if streams {
            flush()
            bodies.writer.withBytes { write(UnsafeRawBufferPointer($0)) }
        } else {
            bodies.writer.withBytes { bytes.append(contentsOf: $0) }
        }
    }

    /// Chains a rendered record: `prev`, then the hash of the record with `prev`.
    mutating func chain(_ head: [UInt8]) {
        previous = head.withUnsafeBufferPointer { HashChain.seal($0, previous: previous, into: &bytes) }
        count += 1
        if streams, bytes.count >= 1 << 22 { flush() }
    }

    /// Why writing to `file` failed (a full disk), once it has; later bytes are dropped.
    public private(set) var writeProblem: String?

    /// Writes the pending bytes to `file` (through write(2): Foundation's `write(_:)`
    /// traps on a full disk instead of telling).
    mutating func flush() {
        defer { bytes.removeAll(keepingCapacity: true) }
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { write($0) }
    }

    /// Writes `raw` (whole records) to `file` (or notes why it could not), or hands
    /// it to `comparison`.
    private mutating func write(_ raw: UnsafeRawBufferPointer) {
        if let comparison {
            comparison.compare(raw)
            return
        }
        guard let writer, writeProblem == nil else { return }
        writer.append(raw)
        writeProblem = writer.problem
    }

    /// Closes the log with the `end` record: how many records came before it (so that
    /// records removed from the end are noticed) and the digest of each other output
    /// file of the run (so that an edited statement is noticed too).
    public mutating func close(outputs: [FileDigest] = []) {
        append([("type", .string("end")), ("records", .int(Int64(count))), ("decisions", .int(Int64(decisions))),
                ("adjustments", .int(Int64(adjustments))),
                ("outputs", .array(outputs.map { .object([("file", .string($0.name)), ("sha256", .string($0.sha256 ?? ""))]) }))])
        if let file, let writer {
            flush()
            let length = writer.finish()
            if writeProblem == nil { writeProblem = writer.problem }
            // The file may be an earlier ledger rewritten in place (see
            // `RunOutputs.openPartialDecisions`): what lies past this run's records goes.
            if writeProblem == nil, ftruncate(file.fileDescriptor, off_t(length)) != 0 {
                writeProblem = String(cString: strerror(errno))
            }
            bytes = []
            try? file.close()
            self.file = nil
        } else if let comparison {
            flush()
            comparison.finish()
            bytes = []
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
                    ? log.head(decisions[index])
                    : log.head(adjustments[index - decisions.count])
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

    /// A decision record up to (not including) its `prev` member, written straight into
    /// bytes (see `JSONWriter`): members in the order README's "Outputs" lists them.
    func head(_ decision: Decision) -> [UInt8] {
        var out = JSONWriter(capacity: 2048)
        write(decision, into: &out)
        return out.bytes
    }

    /// Writes `head(decision)` into `out`.
    func write(_ decision: Decision, into out: inout JSONWriter) {
        write(decision, trace: decision.trace, into: &out)
    }

    /// Writes `head(decision)` into `out`, with the decision's `trace` given apart.
    func write(_ decision: Decision, trace: DecisionTrace, into out: inout JSONWriter) {
        let currency = plan.currency
        let digits = currency.minorUnits
        if redactor == nil, out.paidDecisionHead(decision, currency: currency.code, digits: digits) {
            guard traceDetail != .none else { return }
            write(trace, into: &out)
            return
        }
        out.beginObject()
        // ORDER/REFERRER (see `Decision.id`), written in parts.
        out.beginString("id")
        out.stringPart(decision.order)
        out.raw("/")
        out.stringPart(decision.referrer)
        out.endString()
        out.string("type", "decision")
        out.string("order", decision.order)
        out.string("referrer", decision.referrer)
        out.string("status", decision.status.rawValue)
        if redactor == nil, decision.status == .pending || decision.status == .payable {
            // "paid by RULE, RULE", written in parts (see `outcome`).
            out.beginString("outcome")
            out.raw("paid by ")
            for index in decision.lines.indices {
                if index > 0 { out.raw(", ") }
                out.stringPart(decision.lines[index].rule)
            }
            out.endString()
        } else {
            out.string("outcome", shown(outcome(decision)))
        }
        out.money("amount", decision.amount, digits: digits)
        out.money("rule_total", decision.ruleTotal, digits: digits)
        out.string("currency", currency.code)
        if let payableOn = decision.payableOn { out.date("payable_on", payableOn) } else { out.optionalString("payable_on", nil) }
        if let reason = decision.reason { out.string("reason", shown(reason)) }
        out.beginArray("lines")
        for index in decision.lines.indices {
            out.beginObject()
            out.string("rule", decision.lines[index].rule)
            out.money("amount", decision.lines[index].amount, digits: digits)
            out.endObject()
        }
        out.endArray()
        guard traceDetail != .none else { return }
        // The trace's parts are read where they are, each by a function it is passed to.
        write(trace, into: &out)
        // The record stays open: `prev` and `hash` follow.
    }

    /// Writes a decision's `trace` member.
    private func write(_ trace: DecisionTrace, into out: inout JSONWriter) {
        let currency = plan.currency
        let digits = currency.minorUnits
        out.beginObject("trace")
        write(trace.order, into: &out)
        out.beginArray("touches")
        for index in trace.touches.indices { write(touchOf: trace.touches, at: index, into: &out) }
        out.endArray()
        out.string("evidence", trace.evidence)
        out.string("model", trace.model)
        out.beginObject("weights")
        switch trace.weightFacts {
        case .whole(let referrer): out.string(key: referrer, WeightFacts.wholeText)
        case .listed(let weights): for weight in weights { out.string(key: weight.referrer, weight.weight) }
        }
        out.endObject()
        out.beginObject("credit")
        out.string("weight", trace.credit.weight)
        out.string("share", trace.credit.share)
        out.money("net", trace.credit.net, digits: digits)
        out.money("gross", trace.credit.gross, digits: digits)
        out.money("shipping", trace.credit.shipping, digits: digits)
        out.creditArithmetic("arithmetic", trace.credit.arithmeticFacts)
        out.endObject()
        out.beginArray("fraud")
        for check in trace.fraud {
            out.beginObject()
            out.string("check", check.reason)
            out.string("subject", check.subject)
            out.string("action", check.action)
            out.string("condition", check.condition)
            saw(check.saw, into: &out)
            out.string("at", check.location)
            out.endObject()
        }
        out.endArray()
        out.beginArray("rules")
        for index in trace.rules.indices { write(ruleOf: trace.rules, at: index, digits: digits, into: &out) }
        out.endArray()
        out.beginArray("adjustments")
        for adjustment in trace.adjustments {
            out.beginObject()
            out.string("kind", adjustment.kind)
            out.string("rule", adjustment.rule)
            out.money("before", adjustment.before, digits: digits)
            out.money("after", adjustment.after, digits: digits)
            out.string("note", shown(adjustment.note))
            out.endObject()
        }
        out.endArray()
        // (Not `map(shown)`: a method passed as a function copied the whole log into it.)
        if let resolution = trace.resolution { out.string("resolution", shown(resolution)) } else { out.optionalString("resolution", nil) }
        out.endObject()
    }

    /// Writes the trace's `order` member.
    private func write(_ order: OrderFacts, into out: inout JSONWriter) {
        let currency = plan.currency
        let digits = currency.minorUnits
        let customer = redactor?.pseudonym(order.customer) ?? order.customer
        if out.orderFacts(order, customer: customer) { return }
        out.beginObject("order")
        out.string("id", order.id)
        out.timestamp("at", order.at)
        out.date("date", order.localDate)
        out.string("channel", order.channel)
        out.string("customer", customer)
        out.bool("new_customer", order.isNewCustomer)
        out.string("currency", order.currency)
        out.money("net", order.net, digits: order.netMinorUnits)
        if let rate = order.rate {
            out.string("fx_rate", rate.description)
            out.money("net_converted", order.convertedNet, digits: digits)
            out.string("converted_to", currency.code)
        }
        out.endObject()
    }

    /// Writes one of the trace's `touches`, read field by field where it lies: passed
    /// whole, each touch was copied first (retaining its strings).
    private func write(touchOf touches: [TouchTrace], at index: Int, into out: inout JSONWriter) {
        if out.clickTouch(touches, at: index) { return }
        out.beginObject()
        out.string("evidence", touches[index].evidence)
        out.touchID("id", touches[index].touchID)
        out.string("referrer", touches[index].referrer)
        out.timestamp("at", touches[index].at)
        if !touches[index].code.isEmpty {
            out.string(touches[index].evidence == "survey" ? "answer" : "code" as StaticString, shown(touches[index].code))
        }
        // The stored exclusion, not the properties that word it (`isKept`, `excluded`):
        // reading a computed property copied the whole touch.
        switch touches[index].exclusion {
        case nil:
            out.bool("kept", true)
        case .beyondLookback(let age, let lookback):
            out.bool("kept", false)
            // Generated words without identifiers: no redaction to apply.
            out.beyondLookback("excluded", age: age, lookback: lookback)
        case .words(let why):
            out.bool("kept", false)
            out.string("excluded", shown(why))
        }
        out.endObject()
    }

    /// Writes one of the trace's `rules`, read field by field where it lies (see
    /// `write(touchOf:at:into:)`).
    private func write(ruleOf rules: [RuleTrace], at index: Int, digits: Int, into out: inout JSONWriter) {
        out.beginObject()
        // Written once per plan; by the rule's own names only for a trace that does not
        // know its rule's place (one made by hand).
        if !ruleHeads.write(rule: rules[index].ruleIndex, outcome: rules[index].outcome, into: &out) {
            RuleHeads.write(rule: rules[index].rule, title: rules[index].title, outcome: rules[index].outcome, at: rules[index].location,
                            into: &out)
        }
        if let failed = rules[index].failed { out.string("failed", shown(failed)) }
        if let label = rules[index].label { out.string("because", label) }
        switch rules[index].sawFacts {
        case .none: break
        case .one(let name, let value):
            out.beginObject("saw")
            out.string(key: name, shown(value))
            out.endObject()
        case .listed(let pairs): saw(pairs, into: &out)
        }
        if let by = rules[index].replacedBy { out.string("replaced_by", by) }
        if let amount = rules[index].amount { out.money("amount", amount, digits: digits) }
        // A single rate clause, by far the most common, with its text as the plan has it:
        // only the numbers are read out of the facts (see `RuleHeads.clause`).
        if let clause = ruleHeads.clause(rule: rules[index].ruleIndex),
           case .one(.rate(_, let points, let base, let amount, let digits)) = rules[index].paymentFacts {
            out.beginArray("arithmetic")
            out.ratePayment(nil, clause, points: points, base: base, amount: amount, digits: digits)
            out.endArray()
            out.endObject()
            return
        }
        switch rules[index].paymentFacts {
        case .none: break
        case .one(let payment):
            out.beginArray("arithmetic")
            out.payment(nil, payment)
            out.endArray()
        case .listed(let payments):
            out.beginArray("arithmetic")
            for payment in payments { out.payment(nil, payment) }
            out.endArray()
        }
        out.endObject()
    }

    /// Values a condition saw, by expression; an expression seen twice is written once
    /// (keys of a JSON object are unique, so that any JSON reader re-creates the line).
    func saw(_ pairs: [(String, String)], into out: inout JSONWriter) {
        out.beginObject("saw")
        if pairs.count == 1 {
            out.string(key: pairs[0].0, shown(pairs[0].1))
        } else {
            var seen = Set<String>()
            for pair in pairs where seen.insert(pair.0).inserted { out.string(key: pair.0, shown(pair.1)) }
        }
        out.endObject()
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

    /// An adjustment record without its closing brace (`prev` and `hash` follow).
    func write(_ adjustment: AdjustmentRecord, into out: inout JSONWriter) {
        out.beginObject()
        out.string("id", adjustment.id)
        out.string("type", adjustment.kind.rawValue)
        out.string("order", adjustment.order)
        out.string("referrer", adjustment.referrer)
        out.string("decision", adjustment.decision)
        out.string("status", adjustment.kind.rawValue)
        out.string("amount", Value.moneyText(adjustment.amount, digits: plan.currency.minorUnits))
        out.string("currency", plan.currency.code)
        out.string("at", Value.timestampText(adjustment.at))
        out.string("month", adjustment.month.description)
        out.string("reason", shown(adjustment.reason))
        out.string("arithmetic", shown(adjustment.arithmetic))
        if let corrects = adjustment.corrects {
            out.string("corrects", corrects)
            out.string("cause", adjustment.cause ?? "")
        }
    }

    /// An adjustment record's bytes up to its `prev` member (see `head`).
    func head(_ adjustment: AdjustmentRecord) -> [UInt8] {
        var out = JSONWriter(capacity: 512)
        write(adjustment, into: &out)
        return out.bytes
    }

    /// How far the renderer may fall behind the runner.
    enum StreamLimits {
        /// 128 batches of 256 decisions.
        static let batchesInFlight = 128
        /// Batches waiting for the renderer at which the runner renders the next batch's
        /// records itself (see `RenderedBodies`).
        static let renderAheadAt = 2
    }

    /// Renders and chains decisions as the runner hands them over, on a queue of its own,
    /// so rendering runs beside evaluation and a large run never holds every trace.
    public final class Stream: @unchecked Sendable {
        // Stored in this order on purpose: what the runner writes for every decision
        // (`batch`) first, then a cache line of nothing, then what the renderer writes
        // for every record (`log`, `ownBodies`). Side by side, the renderer's state and
        // `batch` shared a cache line that the two cores took from each other for every
        // decision: three quarters of `receive`'s own time was its read of `batch`, and
        // that time halved once apart (0.44% to 0.21% of a large run's perf samples:
        // small, but free).

        /// Decisions received and not yet handed to `queue` (touched by the runner's
        /// thread only). Handing them over 256 at a time instead of one by one took the
        /// run stage of the reference kit's medium data from 2.2 s to 1.6 s.
        private var batch: [Decision] = []
        /// The room of a batch rendered and let go of, emptied, for the next batch (runner's
        /// thread only): room made anew for every batch was fresh memory, the kernel
        /// zeroing its pages on the runner's core (0.4% of a large run's samples).
        private var spare: [Decision] = []
        private let queue = DispatchQueue(label: "tally.decision-log")
        /// Keeps `batch` and the renderer's state off each other's cache line (see above).
        private let gap: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0, 0, 0)
        // `log` is only touched on `queue` (and by `finish` after it drained).
        private var log: DecisionLog
        /// The box the renderer renders a batch into when the runner did not (touched on
        /// `queue` only).
        private let ownBodies = RenderedBodies()
        /// A log of its own, for rendering records on the runner's thread (it reads the
        /// plan, the redactor, the trace detail and the rule heads, and never chains).
        /// Made apart from `log`, not copied from it: its rule heads' texts are then its
        /// own, retained by one core only (see `RuleHeads.clause`).
        private let renderingLog: DecisionLog
        /// See `StreamLimits.renderAheadAt`.
        private let renderAheadAt: Int
        /// Where the runner takes back the trace boxes of rendered decisions, emptied by
        /// the renderer (see `TraceRecycler`; touched on the runner's thread only).
        private let recycler: TraceRecycler?

        /// `file`, when given, receives the records as they are chained (see `DecisionLog.file`);
        /// `comparison`, when given instead, compares them with a recorded ledger.
        /// `recycler`, when given, takes back the rendered decisions' trace boxes, emptied,
        /// for the runner that hands this stream its decisions to fill again.
        public convenience init(plan: Plan, header: RunHeader, redactor: Redactor?, file: FileHandle? = nil, comparison: LedgerComparison? = nil,
                                recycler: TraceRecycler? = nil) {
            self.init(plan: plan, header: header, redactor: redactor, file: file, comparison: comparison, renderAheadAt: StreamLimits.renderAheadAt,
                      recycler: recycler)
        }

        /// The same, the runner rendering a batch itself once `renderAheadAt` batches wait
        /// for the renderer (tests set 0, always, or `Int.max`, never).
        init(plan: Plan, header: RunHeader, redactor: Redactor?, file: FileHandle?, comparison: LedgerComparison?, renderAheadAt: Int,
             recycler: TraceRecycler? = nil) {
            self.renderAheadAt = renderAheadAt
            self.recycler = recycler
            log = DecisionLog(plan: plan, header: header, redactor: redactor)
            renderingLog = DecisionLog(plan: plan, header: header, redactor: redactor)
            if let file {
                log.file = file
                log.flush()
            } else if let comparison {
                log.comparison = comparison
                log.flush()
            }
        }

        /// Takes one final decision (moved into the batch, not copied).
        public func receive(_ decision: consuming Decision) {
            batch.append(decision)
            if batch.count >= 256 { handOver() }
        }

        /// Batches handed over and not yet rendered, at most `StreamLimits.batchesInFlight`:
        /// when the renderer falls behind, the runner waits instead of queueing decisions
        /// with their whole traces (a second behind on the reference kit's large data held
        /// some 100 MB more at the peak).
        private let inFlight = DispatchSemaphore(value: StreamLimits.batchesInFlight)

        /// Batches rendered and not yet let go of (see `releaseRendered`). Guarded by
        /// `renderedLock`.
        private var rendered: [[Decision]] = []
        private let renderedLock = NSLock()
        /// Batches handed over that the renderer has not started (guarded by `renderedLock`).
        private var waiting = 0
        /// Boxes of rendered records the chain is done with, to be filled again (guarded by
        /// `renderedLock`).
        private var emptiedBodies: [RenderedBodies] = []
        /// Trace boxes of rendered decisions, emptied, for `recycler` (guarded by `renderedLock`).
        private var emptiedTraces: [EmptiedTraces] = []

        /// Lets go of the batches the renderer is done with, on the calling thread: the
        /// runner's, which made them. (Freed on the renderer's thread, every string and
        /// array of a trace went back to the runner's malloc arena under its lock, and the
        /// two threads kept waiting on each other: 450,000 futex calls and a fifth of the
        /// run stage idle on both cores, on the reference kit's large data; now some 4,000.)
        /// `recycling`: whether the emptied trace boxes go to `recycler` (not once the run is
        /// over: they are let go of).
        private func releaseRendered(recycling: Bool = true) {
            var done: [[Decision]] = []
            var traces: [EmptiedTraces] = []
            renderedLock.lock()
            swap(&done, &rendered)
            swap(&traces, &emptiedTraces)
            renderedLock.unlock()
            if recycling, let recycler {
                for index in traces.indices { recycler.give(&traces[index]) }
            }
            // What each release writes, asked for ahead, a batch at a time: the boxes,
            // then (the boxes at hand) the arrays they hold.
            for batch in done.indices {
                done[batch].withUnsafeBufferPointer { decisions in
                    guard let base = decisions.baseAddress else { return }
                    for index in decisions.indices { Decision.prefetchTrace(base + index) }
                    for index in decisions.indices { Decision.prefetchTraceArrays(base + index) }
                }
                if batch == done.count - 1, spare.capacity < 256 {
                    done[batch].removeAll(keepingCapacity: true)
                    swap(&spare, &done[batch])
                } else {
                    done[batch].removeAll()
                }
            }
            done.removeAll()
        }

        /// A batch on its way to the renderer, which takes the decisions out of it: the
        /// renderer is then their only owner until it hands them back to be let go of.
        private final class Batch: @unchecked Sendable {
            var decisions: [Decision]
            /// The records, when the runner rendered them before handing the batch over.
            var bodies: RenderedBodies?
            init(_ decisions: [Decision]) { self.decisions = decisions }
        }

        /// Renders the records of `decisions` on the calling thread into a box for the
        /// chain, and hashes their bodies. Each decision is moved out of the batch,
        /// rendered and moved back: a decision read where it lies (iterated, by an
        /// array's subscript, or through a buffer) was copied for the call that renders
        /// it, as it might change meanwhile, retaining every string and array it holds (a
        /// twentieth of rendering). An owned local needs no copy, and a move retains nothing.
        /// With `emptied`, each trace is emptied once rendered and its box added there, for
        /// the runner to fill again (see `TraceRecycler`).
        private static func render(_ decisions: inout [Decision], by log: DecisionLog, into bodies: RenderedBodies,
                                   emptied: inout EmptiedTraces?) {
            decisions.withUnsafeMutableBufferPointer { decisions in
                guard let base = decisions.baseAddress else { return }
                for index in decisions.indices {
                    // The traces ahead asked for, to be written (moved out and back): the
                    // runner made them on the other core, and each decision's first read
                    // of its box waited for it to come over. The box two decisions ahead;
                    // the arrays of the next, whose box was asked for before.
                    if index + 2 < decisions.count { Decision.prefetchTrace(base + index + 2) }
                    if index + 1 < decisions.count { Decision.prefetchTraceArrays(base + index + 1) }
                    var decision = (base + index).move()
                    let recycled = emptied != nil && decision.renderThenRecycle(into: &emptied!) { decision, trace in
                        log.write(decision, trace: trace, into: &bodies.writer)
                    }
                    if !recycled {
                        let trace = decision.takeTrace()
                        log.write(decision, trace: trace, into: &bodies.writer)
                        decision.restoreTrace(trace)
                    }
                    bodies.endBody()
                    (base + index).initialize(to: decision)
                }
            }
            bodies.hashBodies()
        }

        private func handOver() {
            let handed = Batch(batch)
            batch = []
            swap(&batch, &spare)
            if batch.capacity < 256 { batch.reserveCapacity(256) }
            releaseRendered()
            // While the renderer has batches waiting, the runner renders this one itself.
            renderedLock.lock()
            let ahead = waiting >= renderAheadAt ? (emptiedBodies.popLast() ?? RenderedBodies()) : nil
            waiting += 1
            renderedLock.unlock()
            if let ahead {
                // The traces rendered here are emptied here, and filled again right away.
                var emptied: EmptiedTraces? = recycler.map { _ in EmptiedTraces() }
                Stream.render(&handed.decisions, by: renderingLog, into: ahead, emptied: &emptied)
                if var emptied { recycler?.give(&emptied) }
                handed.bodies = ahead
            }
            inFlight.wait()
            queue.async {
                self.renderedLock.lock()
                self.waiting -= 1
                self.renderedLock.unlock()
                var decisions: [Decision] = []
                swap(&decisions, &handed.decisions)
                let bodies = handed.bodies ?? self.ownBodies
                // The traces rendered here are emptied here, on the renderer's core, for the
                // runner to fill again.
                var emptied: EmptiedTraces? = self.recycler.map { _ in EmptiedTraces() }
                if handed.bodies == nil { Stream.render(&decisions, by: self.log, into: bodies, emptied: &emptied) }
                self.log.chain(bodies)
                self.log.decisions += decisions.count
                bodies.removeAll()
                self.renderedLock.lock()
                if let emptied, emptied.count > 0 { self.emptiedTraces.append(emptied) }
                self.rendered.append(decisions)
                if let runners = handed.bodies { self.emptiedBodies.append(runners) }
                self.renderedLock.unlock()
                self.inFlight.signal()
            }
        }

        /// Waits for every decision, appends the run's adjustments and returns the log,
        /// to be closed once the other outputs are known.
        public func finish(adjustments: [AdjustmentRecord]) -> DecisionLog {
            handOver()
            queue.sync {}
            releaseRendered(recycling: false)
            // The adjustments after every decision, a box of them at a time: rendered one
            // by one as trees and chained one by one, the reference kit's large data's
            // 44,000 took 0.12 s at the end of the run, the other core idle.
            for first in stride(from: 0, to: adjustments.count, by: 256) {
                for adjustment in adjustments[first..<min(first + 256, adjustments.count)] {
                    log.write(adjustment, into: &ownBodies.writer)
                    ownBodies.endBody()
                }
                ownBodies.hashBodies()
                log.chain(ownBodies)
                ownBodies.removeAll()
            }
            log.adjustments += adjustments.count
            return log
        }
    }
}
