import Dispatch
import TallyCheck
import TallyLedgers
import TallyPlan
import TallyPrefetch
import TallyValues

/// Applies a plan to loaded ledgers: streams orders in (timestamp, order id) order,
/// with clicks merged in by time; screens touches, attributes credit, evaluates the
/// rules, applies limits and holds, then refunds, then statements.
public struct Runner {
    let plan: Plan
    let ledgers: Ledgers
    let asOf: Timestamp
    let interpreter: Interpreter
    var result: RunResult

    // Streaming state.
    var nextClick = 0
    /// Each customer's clicks side by side (built when the run starts).
    var customerClicks: CustomerClicks?
    /// The click table's number for "no customer key" (-1 when every click has one).
    let noCustomer: Int32
    /// Each customer's orders so far: those whose key a click has, by their slot (see
    /// `CustomerSlots`; hashing the key of every order was a twentieth of evaluating it);
    /// the others by key.
    var clickingCustomers: [CustomerState] = []
    var customers: [String: CustomerState] = [:]
    let aggregates: AggregateIndexes
    /// Whether an aggregate counts clicks, asked once: asked for each of the large data's
    /// ten million clicks (a search of the aggregates each time), with the click count
    /// read again each time, moving past the clicks was 0.9% of a run's samples.
    let recordsClicks: Bool
    /// Order id -> surveys naming it.
    let surveysByOrder: [String: [SurveyAnswer]]
    /// Upper-cased code -> assignments.
    let assignmentsByCode: [String: [PromoAssignment]]
    /// Limit state: (limit index, referrer, period) -> amount used.
    var limitUse = LimitUse()
    /// Tier state.
    var tierState: [TierKey: TierProgress] = [:]
    /// Order id -> where its decisions are in `result.decisions` (they are contiguous)
    /// and its net in its own currency, for refunds: kept only for orders a refund names
    /// (`refunded`). On the reference kit's large data an entry for every order was
    /// 60 MB, and a hash insert per order; a twentieth of the orders have a refund.
    var decided: [String: DecidedOrder] = [:]
    /// By position in `ledgers.orders`: whether the refunds ledger names the order. (A
    /// set of ids hashed every order's id, 2% of evaluating the reference kit's medium data.)
    let refunded: [Bool]

    struct DecidedOrder {
        var first: Int32
        var count: Int32
        var net: Int64
        var currency: Currency
        var positions: Range<Int> { Int(first)..<Int(first + count) }
    }
    /// Per-rule state of the decision being evaluated, reused (see `evaluateRules`).
    var ruleScratch = RuleScratch()
    /// The arrays an order's evaluation fills and empties, reused (see `process`).
    var orderScratch = OrderScratch()
    /// Retroactive tiers paid by the decision being evaluated, committed after `replaces`.
    var pendingTierPayments: [(tiers: Int, rule: Int, key: TierKey, decision: String, base: Int64, band: Int, amount: Int64)] = []

    /// A customer's orders so far: how many, the first's and the latest's instants (16
    /// bytes and a count: one is kept for every customer who clicked).
    struct CustomerState {
        private(set) var count: Int32 = 0
        private var first: Int64 = 0
        private var latest: Int64 = 0

        var firstAt: Timestamp? { count == 0 ? nil : Timestamp(secondsSinceEpoch: first) }
        var lastAt: Timestamp? { count == 0 ? nil : Timestamp(secondsSinceEpoch: latest) }

        mutating func add(_ at: Timestamp) {
            if count == 0 { first = at.secondsSinceEpoch }
            latest = at.secondsSinceEpoch
            count += 1
        }
    }

    /// What closed periods paid: differences become corrections in the first open month.
    var closed: ClosedBooks?
    /// The ids of decisions and adjustments that closed periods paid for and this run
    /// produced again (paid ones missing no longer stand).
    var produced = Set<String>()
    /// Clicks screened and flagged, counted by referrer index and channel during the run.
    var screened = ScreenedClicks()
    /// Per referrer kind: which rules it can match.
    var kindRules: [String: KindRules] = [:]
    /// By referrer index: its kind's rules once looked up (hashing the kind for every
    /// decision was 1% of evaluating one).
    var referrerKindRules: [KindRules?]
    /// Per rule: its kind condition in words, for the traces of other kinds.
    let kindConditionTexts: [String]
    /// Per rule: its names as its traces show them.
    let ruleNames: [RuleNames]
    /// The referrers' ids by index, side by side: read for every touch and decision, they
    /// were a cache miss each inside the ledger's records (150 bytes a referrer, 3 MB on
    /// the reference kit's large data; 16 bytes an id here).
    let referrerIDs: [String]
    /// The plan's `evidence` ranking as evidence classes (nil for a name no touch has).
    let evidenceRanking: [Touch.Evidence?]
    /// Rates that depend on the referrer alone, once worked out.
    var referrerRates: ReferrerRates
    /// By evidence rank: the words for a touch of weaker evidence (see `prioritise`).
    let weakerEvidenceTexts: [String]

    struct KindRules {
        var candidates: [Bool]
        var text: String
    }
    /// Receives each decision as soon as it is final, in processing order.
    var sink: (@Sendable (consuming Decision) -> Void)?
    /// Trace boxes the sink's renderer emptied, filled again by later decisions.
    var recycler: TraceRecycler?
    /// False keeps only what statements and the summary need of each trace, once the
    /// sink has it: a large run then never holds every trace in memory.
    var keepTraces = true
    /// How much of each decision's explanation to build (nothing beyond the decision
    /// for `none`: building the explanation is about a fifth of evaluating an order on the
    /// reference kit's medium data).
    var traceDetail = TraceDetail.full

    /// Runs `plan` over `ledgers` as of `asOf` (default: the latest event in the ledgers).
    /// `closed` is what closed periods paid (the paid ledger); `sink` receives each
    /// decision when it is final; `recycler`, the trace boxes of rendered decisions it
    /// gives back (see `TraceRecycler`).
    public static func run(_ plan: Plan, ledgers: Ledgers, asOf: Timestamp? = nil, closed: ClosedBooks? = nil,
                           sink: (@Sendable (consuming Decision) -> Void)? = nil, recycler: TraceRecycler? = nil, keepTraces: Bool = true,
                           traceDetail: TraceDetail = .full) -> RunResult {
        let instant = asOf ?? ledgers.latestEvent ?? Timestamp(secondsSinceEpoch: 0)
        var runner = Runner(plan: plan, ledgers: ledgers, asOf: instant)
        runner.closed = closed
        runner.produced.reserveCapacity(closed?.paid.count ?? 0)
        runner.sink = sink
        runner.recycler = recycler
        runner.keepTraces = keepTraces
        runner.traceDetail = traceDetail
        runner.run()
        return runner.result
    }

    init(plan: Plan, ledgers: Ledgers, asOf: Timestamp) {
        self.plan = plan
        self.ledgers = ledgers
        self.asOf = asOf
        self.interpreter = Interpreter(plan: plan, referrers: ledgers.referrers, orders: ledgers.orders)
        self.kindConditionTexts = plan.rules.map { rule in
            let kinds = rule.kinds ?? []
            return kinds.count == 1 ? "referrer.kind == \"\(kinds[0])\"" : "referrer.kind in [" + kinds.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        }
        self.ruleNames = plan.rules.map { RuleNames(rule: $0.id, title: $0.title, location: $0.location) }
        self.referrerIDs = ledgers.referrers.map(\.id)
        self.referrerKindRules = Array(repeating: nil, count: ledgers.referrers.count)
        self.weakerEvidenceTexts = plan.attribution.evidence.map { "weaker evidence: `\($0)` is present and ranks higher" }
        self.evidenceRanking = plan.attribution.evidence.map(Touch.Evidence.init(rawValue:))
        self.referrerRates = ReferrerRates(plan: plan, referrers: ledgers.referrers.count)
        self.result = RunResult(asOf: asOf)
        var refunded = Array(repeating: false, count: ledgers.orders.count)
        for refund in ledgers.refunds { refunded[refund.orderPosition] = true }
        self.refunded = refunded
        self.noCustomer = ledgers.clicks.noCustomerNumber ?? -1
        self.aggregates = AggregateIndexes(specs: plan.aggregates, lookback: plan.attribution.lookbackSeconds)
        self.recordsClicks = aggregates.hasClickAggregates
        var surveys: [String: [SurveyAnswer]] = [:]
        for answer in ledgers.surveys where answer.at.map({ $0 <= asOf }) ?? true {
            surveys[answer.order, default: []].append(answer)
        }
        self.surveysByOrder = surveys
        var codes: [String: [PromoAssignment]] = [:]
        for assignment in ledgers.assignments { codes[assignment.code.uppercased(), default: []].append(assignment) }
        self.assignmentsByCode = codes
    }

    mutating func run() {
        // Sized once: growing these by doubling copied them again and again (memmove and
        // page faults were a third of evaluating the reference kit's large data). The
        // decisions' pages are supplied on the other core while this one groups the clicks.
        HugePages.reserveAndFault(&result.decisions, capacity: ledgers.orders.count)
        decided.reserveCapacity(ledgers.refunds.count)
        // In huge pages: read at random, a customer's state asked for ahead waited for its
        // page's address in small pages (40% of `process(orders:)`'s own samples on the
        // reference kit's large data were that wait, right after the prefetch).
        clickingCustomers = HugePages.array(repeating: CustomerState(), count: ledgers.clicks.customerCount)
        // Read in place: iterating the array copied every order (retaining each of its
        // strings and lines) before `process` copied it again into the order's view.
        ledgers.orders.withUnsafeBufferPointer { orders in
            let slots = CustomerSlots(orders: orders, clicks: ledgers.clicks)
            customerClicks = CustomerClicks(ledgers.clicks, noCustomer: noCustomer, slots: slots)
            process(orders: orders, slots: slots.ofOrder)
        }
        ingestClicks(through: asOf)
        result.clicksAfterAsOf = ledgers.clicks.count - nextClick
        result.clicksScreened = screened.tally(referrers: ledgers.referrers, channels: ledgers.clicks.distinctValues(.channel))
        // The statements' earnings are summed on the other core while refunds are clawed
        // back: the renderer has caught up by now, and both only read the decisions. (The
        // copy of the decisions shares their storage: nothing here changes them.)
        let earnings = EarningsInFlight(decisions: result.decisions, closed: closed)
        applyRefunds()
        correctAdjustments()
        result.statements = Statements.build(plan: plan, result: result, asOf: asOf, closed: closed, earnings: earnings.value)
    }

    /// `Statements.earnings` summed on a thread of its own, waited for when read.
    private final class EarningsInFlight: @unchecked Sendable {
        private var earnings: Statements.Earnings?
        /// The decisions, until summed: let go of before the sum is handed over, so that
        /// the run's own copy is again the only one (changing it then copies nothing).
        private var decisions: [Decision]?
        private let done = DispatchGroup()

        init(decisions: [Decision], closed: ClosedBooks?) {
            self.decisions = decisions
            done.enter()
            DispatchQueue.global().async {
                self.earnings = self.decisions.map { Statements.earnings(of: $0, closed: closed) }
                self.decisions = nil
                self.done.leave()
            }
        }

        var value: Statements.Earnings? {
            done.wait()
            return earnings
        }
    }

    /// Decides `orders` (the ledger's), in order, with clicks merged in by time. `slots`:
    /// each order's customer slot (see `CustomerSlots`), -1 for a customer who never clicked.
    mutating func process(orders: UnsafeBufferPointer<Order>, slots: [Int32]) {
        // What an order reads of tables of millions of entries (its customer's state and
        // clicks) is asked for ahead: the state and where the clicks start one order
        // ahead, the clicks themselves just before the order. Customers are met mostly in
        // slot order, so these are mostly the next entries already. The order's lines
        // are asked for two orders ahead.
        guard let base = orders.baseAddress else { return }
        func slot(_ index: Int) -> Int? { slots[index] < 0 ? nil : Int(slots[index]) }
        if orders.count > 0 { prefetchCustomer(slot(0)) }
        for index in orders.indices {
            if index + 2 < orders.count { Runner.prefetchLines(of: base + index + 2) }
            if index + 1 < orders.count { prefetchCustomer(slot(index + 1)) }
            let at = (base + index).pointee.at
            if at > asOf {
                result.ordersAfterAsOf += 1
                continue
            }
            let number = slot(index)
            if let number { customerClicks?.prefetchEntries(number) }
            ingestClicks(through: at)
            process(base + index, position: index, clickCustomer: number)
        }
    }

    /// Asks for the state of the customer at `slot` and where their clicks start.
    func prefetchCustomer(_ slot: Int?) {
        guard let slot else { return }
        customerClicks?.prefetch(slot)
        clickingCustomers.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + slot) }
    }

    /// Counts clicks up to `instant` as seen and moves them into the aggregates. (The
    /// lookback reads each customer's clicks from `customerClicks` by instant.)
    mutating func ingestClicks(through instant: Timestamp) {
        let count = ledgers.clicks.count
        guard recordsClicks else {
            while nextClick < count, ledgers.clicks.instant(nextClick) <= instant { nextClick += 1 }
            return
        }
        while nextClick < count, ledgers.clicks.instant(nextClick) <= instant {
            let click = ledgers.clicks[nextClick]
            let referrerID = referrerIDs[Int(click.referrer)]
            aggregates.record(.clicks, at: click.at, keys: { key in
                switch key {
                case "ip": return click.ip
                case "device": return click.device
                case "referrer": return referrerID
                case "customer": return click.customer
                case "channel": return click.channel
                case "campaign": return click.campaign
                default: return nil
                }
            }, value: 1, label: { field in
                switch field {
                case "ip": return click.ip
                case "device": return click.device
                case "referrer": return referrerID
                case "customer": return click.customer
                case "campaign": return click.campaign
                default: return ""
                }
            })
            nextClick += 1
        }
    }
}

/// Screened and flagged clicks, counted by referrer index and channel number (the
/// click table's, see `ClickTable.code`): array slots instead of hashing a referrer id
/// and a channel for every touch of every order.
struct ScreenedClicks {
    var byReferrer: [(total: Int, flagged: Int)] = []
    var byChannel: [(total: Int, flagged: Int)] = []
    /// Clicks of a table that keeps no channel.
    var noChannel: (total: Int, flagged: Int) = (0, 0)

    /// Asks for a referrer's counts, to be counted soon (see `Runner.gatherTouches`).
    func prefetch(referrer: Int32) {
        let slot = Int(referrer)
        guard slot < byReferrer.count else { return }
        byReferrer.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + slot) }
    }

    mutating func count(referrer: Int32, channel: Int32?, flagged: Bool) {
        let slot = Int(referrer)
        if slot >= byReferrer.count { byReferrer += Array(repeating: (0, 0), count: slot + 1 - byReferrer.count) }
        byReferrer[slot].total += 1
        if flagged { byReferrer[slot].flagged += 1 }
        guard let channel else {
            noChannel.total += 1
            if flagged { noChannel.flagged += 1 }
            return
        }
        let code = Int(channel)
        if code >= byChannel.count { byChannel += Array(repeating: (0, 0), count: code + 1 - byChannel.count) }
        byChannel[code].total += 1
        if flagged { byChannel[code].flagged += 1 }
    }

    /// The counts by referrer id and channel name (`channels`: the names by number;
    /// clicks without a channel count as "(none)").
    func tally(referrers: [Referrer], channels: [String]) -> FraudTally {
        var tally = FraudTally()
        for (slot, counts) in byReferrer.enumerated() where counts.total > 0 { tally.byReferrer[referrers[slot].id] = counts }
        func add(_ name: String, _ counts: (total: Int, flagged: Int)) {
            let key = name.isEmpty ? "(none)" : name
            let before = tally.byChannel[key] ?? (0, 0)
            tally.byChannel[key] = (before.total + counts.total, before.flagged + counts.flagged)
        }
        for (code, counts) in byChannel.enumerated() where counts.total > 0 { add(channels[code], counts) }
        if noChannel.total > 0 { add("", noChannel) }
        return tally
    }
}
