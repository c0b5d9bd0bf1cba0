import TallyPlan
import TallyPrefetch
import TallyValues

/// The status of a decision or adjustment record (DESIGN.md, "Outputs").
public enum DecisionStatus: String, Sendable, Equatable {
    case pending, payable, held, rejected, capped
    case noRule = "no_rule"
}

/// One decision: what one credited referrer earns on one order, and why.
public struct Decision: Sendable {
    /// `ORDER/REFERRER`: stable across runs. Made when read, not kept: as a string of
    /// its own (16 bytes and more, past what a `String` holds inline) it was an allocation
    /// for every decision, retained and let go of with every copy (the reference kit's
    /// large data: a million, and 48 MB of memory).
    public var id: String { Decision.id(order: order, referrer: referrer) }
    public var order: String
    public var referrer: String
    public var referrerIndex: Int32
    public var orderAt: Timestamp
    public var orderDate: CivilDate
    public var status: DecisionStatus
    /// The sum of the rule lines, before limits.
    public var ruleTotal: Int64
    /// What the decision pays after limits (0 when rejected or capped).
    public var amount: Int64
    /// Payable-on date (nil while held for review or rejected).
    public var payableOn: CivilDate?
    /// The fraud or limit rule that blocked or held it, in words.
    public var reason: String?
    public var lines: [RuleLine]
    /// Why: the explanation, whole until the decision is rendered; a run that does not
    /// keep traces then keeps only what statements and the summary read (see `slimmed`).
    /// (Inlinable: the renderer reads it from another module, where a call copied the
    /// whole decision before copying the trace out of its box. Read in place, lent to
    /// the reader: a copy out of the box retained each of the trace's strings and arrays
    /// on the renderer's core, and the runner, letting go of the decision, then took
    /// every one of their cache lines back from it.)
    @inlinable
    public var trace: DecisionTrace {
        _read {
            switch storedTrace {
            case .whole(let box): yield box.value
            case .slim(let channel, let fraud): yield DecisionTrace.slim(channel: channel, fraud: fraud)
            }
        }
        _modify {
            // Only the box is held across the yield: with a whole trace in its frame, the
            // accessor's frame outgrew the space callers give it and was allocated on
            // the heap, once for every decision the runner filled in.
            let box = takeUniqueTraceBox()
            defer { storedTrace = .whole(box) }
            yield &box.value
        }
    }

    /// The trace's box, taken out of the decision (put it back when done): the stored one
    /// when this decision alone holds it, else a copy (one shared with a copy of the
    /// decision), or a new one for a slimmed trace.
    @usableFromInline
    mutating func takeUniqueTraceBox() -> TraceBox {
        switch storedTrace {
        case .whole(var box):
            // Let go of the stored reference, so an unshared box is changed in place.
            storedTrace = .slim(channel: "", fraud: [])
            if !isKnownUniquelyReferenced(&box) { box = TraceBox(box.value) }
            return box
        case .slim(let channel, let fraud):
            return TraceBox(DecisionTrace.slim(channel: channel, fraud: fraud))
        }
    }

    /// `ORDER/REFERRER`, the id of a decision, made at its exact length in one go
    /// (interpolated, it grew as it went: 3% of evaluating an order).
    static func id(order: String, referrer: String) -> String {
        var order = order, referrer = referrer
        return order.withUTF8 { orderBytes in
            referrer.withUTF8 { referrerBytes in
                String(unsafeUninitializedCapacity: orderBytes.count + 1 + referrerBytes.count) { buffer in
                    var count = 0
                    for byte in orderBytes { buffer[count] = byte; count += 1 }
                    buffer[count] = 47  // "/"
                    count += 1
                    for byte in referrerBytes { buffer[count] = byte; count += 1 }
                    return count
                }
            }
        }
    }

    /// The fraud checks that fired (`trace.fraud`), read without building a trace.
    /// (Inlinable, like `orderChannel`: called on a decision read in place, through a
    /// pointer, from another module, it copied the whole decision first, retaining every
    /// string it holds; the summary's passes over a million decisions took 0.45 s so.)
    @inlinable
    public var fraudChecks: [FraudTrace] {
        switch storedTrace {
        case .whole(let box): return box.value.fraud
        case .slim(_, let fraud): return fraud
        }
    }

    /// The order's channel (`trace.order.channel`), read without building a trace.
    @inlinable
    public var orderChannel: String {
        switch storedTrace {
        case .whole(let box): return box.value.order.channel
        case .slim(let channel, _): return channel
        }
    }

    /// The trace, boxed while whole: inline it made a decision 416 bytes, and a large
    /// run keeps every decision (for statements) long after its trace was rendered.
    @usableFromInline var storedTrace: StoredTrace

    @usableFromInline enum StoredTrace: Sendable {
        case whole(TraceBox)
        /// The order's channel and the fraud checks that fired: all that is read of a
        /// rendered decision's trace (fraud rates, the summary).
        case slim(channel: String, fraud: [FraudTrace])
    }

    @usableFromInline final class TraceBox: @unchecked Sendable {
        // Changed only when this box is not shared: through `trace`'s `_modify`,
        // `takeTrace` and `restoreTrace` (each takes a unique box first).
        @usableFromInline var value: DecisionTrace
        @usableFromInline init(_ value: DecisionTrace) { self.value = value }
    }

    /// A decision with its whole trace.
    public init(order: String, referrer: String, referrerIndex: Int32, orderAt: Timestamp, orderDate: CivilDate,
                status: DecisionStatus, ruleTotal: Int64, amount: Int64, payableOn: CivilDate?, reason: String?, lines: [RuleLine],
                trace: DecisionTrace) {
        self.init(order: order, referrer: referrer, referrerIndex: referrerIndex, orderAt: orderAt, orderDate: orderDate, status: status,
                  ruleTotal: ruleTotal, amount: amount, payableOn: payableOn, reason: reason, lines: lines,
                  storedTrace: .whole(TraceBox(trace)))
    }

    /// A decision with its trace as stored (see `TraceRecycler`).
    init(order: String, referrer: String, referrerIndex: Int32, orderAt: Timestamp, orderDate: CivilDate,
         status: DecisionStatus, ruleTotal: Int64, amount: Int64, payableOn: CivilDate?, reason: String?, lines: [RuleLine],
         storedTrace: StoredTrace) {
        self.order = order
        self.referrer = referrer
        self.referrerIndex = referrerIndex
        self.orderAt = orderAt
        self.orderDate = orderDate
        self.status = status
        self.ruleTotal = ruleTotal
        self.amount = amount
        self.payableOn = payableOn
        self.reason = reason
        self.lines = lines
        self.storedTrace = storedTrace
    }

    /// Keeps only what is read of a rendered decision's trace: the order's channel and
    /// the fraud checks (on the reference kit's large data, 200 MB less at the peak).
    public mutating func slimmed() {
        // The two members read out of the box, not the whole trace copied out of it.
        storedTrace = .slim(channel: orderChannel, fraud: fraudChecks)
    }

    /// Moves the trace out of the decision, leaving an empty one, for a reader that owns
    /// the decision and puts the trace back (`restoreTrace`) when done: a trace read where
    /// it lies, in its box, is copied for every call it is passed to (it might change
    /// meanwhile), retaining every string and array it holds.
    public mutating func takeTrace() -> DecisionTrace {
        let box = takeUniqueTraceBox()
        defer { storedTrace = .whole(box) }
        var trace = DecisionTrace.slim(channel: "", fraud: [])
        swap(&trace, &box.value)
        return trace
    }

    /// Puts back a trace taken out by `takeTrace`.
    public mutating func restoreTrace(_ trace: consuming DecisionTrace) {
        let box = takeUniqueTraceBox()
        defer { storedTrace = .whole(box) }
        box.value = trace
    }

    /// Hands over the whole decision and keeps a slimmed one in its place (see `slimmed`):
    /// the whole one is moved out, not copied, so its trace's box is not retained again.
    public mutating func takeWholeLeavingSlim() -> Decision {
        var slim = Decision(order: order, referrer: referrer, referrerIndex: referrerIndex, orderAt: orderAt, orderDate: orderDate,
                            status: status, ruleTotal: ruleTotal, amount: amount, payableOn: payableOn, reason: reason, lines: lines,
                            storedTrace: .slim(channel: orderChannel, fraud: fraudChecks))
        swap(&self, &slim)
        return slim
    }
}

extension Decision {
    /// Asks for the memory that letting go of the decision at `decision` writes first: its
    /// trace's box. A run lets go of its decisions long after making them, once rendered
    /// (their memory long gone from the cache), and each release waited for memory in
    /// turn: a reference count is changed by a locked instruction, which nothing passes.
    /// (The addresses are read as raw words: reading the box or an array as a value
    /// retained it, itself a wait for its memory. `DecisionStorageTests` checks them.)
    public static func prefetchTrace(_ decision: UnsafePointer<Decision>) {
        guard let box = traceBox(decision) else { return }
        // The box's reference count and the trace's fields, some 340 bytes.
        for line in stride(from: 0, to: Layout.boxHeader + MemoryLayout<DecisionTrace>.size, by: 64) { tally_prefetch_for_writing(box + line) }
    }

    /// The same for the arrays the decision and its trace hold (lines, touches, rules),
    /// once the box is at hand (see `prefetchTrace`).
    public static func prefetchTraceArrays(_ decision: UnsafePointer<Decision>) {
        let raw = UnsafeRawPointer(decision)
        prefetchStorage(raw.load(fromByteOffset: Layout.lines, as: UnsafeRawPointer.self))
        guard let box = traceBox(decision) else { return }
        prefetchStorage(box.load(fromByteOffset: Layout.boxHeader + Layout.touches, as: UnsafeRawPointer.self))
        prefetchStorage(box.load(fromByteOffset: Layout.boxHeader + Layout.rules, as: UnsafeRawPointer.self))
    }

    /// The address of the trace's box, nil for a slimmed trace.
    static func traceBox(_ decision: UnsafePointer<Decision>) -> UnsafeRawPointer? {
        guard decision.pointee.storedTrace.isWhole else { return nil }
        return UnsafeRawPointer(decision).load(fromByteOffset: Layout.storedTrace, as: UnsafeRawPointer.self)
    }

    /// An array's storage: its header (the reference count) and the elements' first bytes.
    private static func prefetchStorage(_ storage: UnsafeRawPointer) {
        tally_prefetch_for_writing(storage)
        tally_prefetch(storage + 64)
    }

    /// Where the words read above are (the box's address is the first word of a whole
    /// `storedTrace`, an array's storage its only word, a class's fields follow its two
    /// words of header).
    enum Layout {
        static let storedTrace = MemoryLayout<Decision>.offset(of: \Decision.storedTrace)!
        static let lines = MemoryLayout<Decision>.offset(of: \Decision.lines)!
        static let touches = MemoryLayout<DecisionTrace>.offset(of: \DecisionTrace.touches)!
        static let rules = MemoryLayout<DecisionTrace>.offset(of: \DecisionTrace.rules)!
        static let boxHeader = 16
    }
}

extension Decision.StoredTrace {
    /// Whether the trace is whole (its box held).
    var isWhole: Bool {
        if case .whole = self { return true }
        return false
    }
}

/// One rule's payment in a decision.
public struct RuleLine: Sendable, Equatable {
    public var rule: String
    public var amount: Int64
}

/// Everything that explains a decision.
public struct DecisionTrace: Sendable {
    public var order: OrderFacts
    public var touches: [TouchTrace]
    public var evidence: String
    public var model: String
    /// Each credited referrer's weight, in words.
    public var weights: [(referrer: String, weight: String)] {
        get {
            switch weightFacts {
            case .whole(let referrer): return [(referrer: referrer, weight: WeightFacts.wholeText)]
            case .listed(let weights): return weights
            }
        }
        set { weightFacts = .listed(newValue) }
    }
    /// The weights as facts: renderers word a whole credit in place (see `WeightFacts`).
    public var weightFacts: WeightFacts
    public var credit: CreditTrace
    public var fraud: [FraudTrace]
    public var rules: [RuleTrace]
    public var adjustments: [AdjustmentTrace]
    /// How a review hold was resolved, with who and where.
    public var resolution: String?

    public init(order: OrderFacts, touches: [TouchTrace], evidence: String, model: String, weights: [(referrer: String, weight: String)],
                credit: CreditTrace, fraud: [FraudTrace], rules: [RuleTrace], adjustments: [AdjustmentTrace], resolution: String?) {
        self.init(order: order, touches: touches, evidence: evidence, model: model, weightFacts: .listed(weights), credit: credit,
                  fraud: fraud, rules: rules, adjustments: adjustments, resolution: resolution)
    }

    public init(order: OrderFacts, touches: [TouchTrace], evidence: String, model: String, weightFacts: WeightFacts,
                credit: CreditTrace, fraud: [FraudTrace], rules: [RuleTrace], adjustments: [AdjustmentTrace], resolution: String?) {
        self.order = order
        self.touches = touches
        self.evidence = evidence
        self.model = model
        self.weightFacts = weightFacts
        self.credit = credit
        self.fraud = fraud
        self.rules = rules
        self.adjustments = adjustments
        self.resolution = resolution
    }

    /// What is kept of a rendered decision's trace (`Decision.slimmed`): the order's
    /// channel and the fraud checks that fired; everything else empty.
    @usableFromInline
    static func slim(channel: String, fraud: [FraudTrace]) -> DecisionTrace {
        // Made from literals in place: copied from stored empty values, each member was
        // copied through its type's generic copy (a tenth of the renderer's moving a trace
        // out of its box, which leaves one of these in its place).
        DecisionTrace(order: OrderFacts(id: "", at: Timestamp(secondsSinceEpoch: 0), localDate: CivilDate(daysSinceEpoch: 0), channel: channel,
                                        customer: "", isNewCustomer: false, currency: "", net: 0, netMinorUnits: 0, rate: nil, convertedNet: 0),
                      touches: [], evidence: "", model: "", weights: [],
                      credit: CreditTrace(weight: "", share: "", net: 0, gross: 0, shipping: 0, arithmetic: ""),
                      fraud: fraud, rules: [], adjustments: [], resolution: nil)
    }
}

/// The credited referrers' weights in a trace.
public enum WeightFacts: Sendable {
    /// One referrer takes the whole credit (weight 1): nearly every decision. Its id alone,
    /// not an array: a shared array per referrer (made once, to spare an allocation per
    /// decision) was retained for every decision and let go of on the renderer's core,
    /// a cache miss each time among the twenty thousand referrers of the reference kit's
    /// large data.
    case whole(referrer: String)
    /// Every credited referrer with its weight in words, in order of first touch.
    case listed([(referrer: String, weight: String)])

    /// The words for the weight of a whole credit.
    public static let wholeText = Weight.one.text
}

/// The order as the decision saw it.
public struct OrderFacts: Sendable {
    public var id: String
    public var at: Timestamp
    public var localDate: CivilDate
    public var channel: String
    public var customer: String
    public var isNewCustomer: Bool
    public var currency: String
    /// Net in the order's currency, and converted when it differs.
    public var net: Int64
    public var netMinorUnits: Int
    public var rate: ExactDecimal?
    public var convertedNet: Int64
}

/// A touch considered for the order: kept, or excluded and why.
public struct TouchTrace: Sendable, Equatable {
    public var evidence: String
    /// The touch's id as written in its ledger.
    public var id: String {
        get { touchID.text }
        set { touchID = .text(newValue) }
    }
    /// The same, a click's numeric id kept as its number (see `TouchID`).
    public var touchID: TouchID
    public var referrer: String
    public var at: Timestamp
    public var code: String
    /// Why the touch was excluded, nil when kept.
    public var excluded: String? {
        get {
            switch exclusion {
            case nil: return nil
            case .words(let words): return words
            case .beyondLookback(let age, let lookback):
                return "older than the lookback: \(Value.durationText(age)) before the order, lookback \(Value.durationText(lookback))"
            }
        }
        set { exclusion = newValue.map(Exclusion.words) }
    }
    /// The exclusion as facts, put in words only when the trace is rendered (on the
    /// renderer's core: the words were a tenth of evaluating an order); nil when kept.
    public internal(set) var exclusion: Exclusion?
    /// The click's age and the lookback, when it was excluded for being older than the
    /// lookback: renderers word it in place (see `excluded`).
    public var beyondLookback: (age: Int64, lookback: Int64)? {
        if case .beyondLookback(let age, let lookback) = exclusion { return (age, lookback) }
        return nil
    }
    /// Whether the touch was kept (without putting the exclusion in words).
    public var isKept: Bool { exclusion == nil }
    /// Whether a touch check (`reject touch`) excluded it: such touches stay in a
    /// `decisive` trace, since they explain a referrer's missing credit.
    public var byCheck = false

    /// Why a touch was excluded: in words, or for being older than the lookback.
    public enum Exclusion: Sendable, Equatable {
        case words(String)
        /// The click's age and the lookback, in seconds.
        case beyondLookback(age: Int64, lookback: Int64)
    }

    /// A touch with its id as text.
    public init(evidence: String, id: String, referrer: String, at: Timestamp, code: String, excluded: String?) {
        self.init(evidence: evidence, touchID: .text(id), referrer: referrer, at: at, code: code, excluded: excluded)
    }

    /// A touch with its id as the runner keeps it (see `TouchID`).
    public init(evidence: String, touchID: TouchID, referrer: String, at: Timestamp, code: String, excluded: String?) {
        self.evidence = evidence
        self.touchID = touchID
        self.referrer = referrer
        self.at = at
        self.code = code
        self.exclusion = excluded.map(Exclusion.words)
    }
}

/// The referrer's share and the split of the order's money.
public struct CreditTrace: Sendable {
    public var weight: String
    public var share: String
    public var net: Int64
    public var gross: Int64
    public var shipping: Int64
    /// How the referrer's net was worked out, in words.
    public var arithmetic: String {
        get { arithmeticFacts.text }
        set { arithmeticFacts = .words(newValue) }
    }
    /// The arithmetic as facts: renderers word a whole order in place (see `Arithmetic`).
    public var arithmeticFacts: Arithmetic

    /// The credit's arithmetic: words, or the facts of a credit that takes the whole order,
    /// worded only when read or rendered (on the renderer's core, not while evaluating).
    public enum Arithmetic: Sendable, Equatable {
        case words(String)
        /// `the whole order: net NET`, NET in minor units with `digits` decimals.
        case wholeOrder(net: Int64, digits: Int)

        public var text: String {
            switch self {
            case .words(let words): return words
            case .wholeOrder(let net, let digits): return "the whole order: net " + ExactDecimal(significand: net, scale: digits).description
            }
        }
    }

    init(weight: String, share: String, net: Int64, gross: Int64, shipping: Int64, arithmetic: Arithmetic) {
        self.weight = weight
        self.share = share
        self.net = net
        self.gross = gross
        self.shipping = shipping
        self.arithmeticFacts = arithmetic
    }

    init(weight: String, share: String, net: Int64, gross: Int64, shipping: Int64, arithmetic: String) {
        self.init(weight: weight, share: share, net: net, gross: gross, shipping: shipping, arithmetic: .words(arithmetic))
    }
}

/// A fraud check that fired on this decision (or on one of its touches).
public struct FraudTrace: Sendable, Equatable {
    public var subject: String
    public var action: String
    public var reason: String
    public var condition: String
    public var saw: [(String, String)]
    public var location: String

    public init(subject: String, action: String, reason: String, condition: String, saw: [(String, String)], location: String) {
        self.subject = subject
        self.action = action
        self.reason = reason
        self.condition = condition
        self.saw = saw
        self.location = location
    }

    public static func == (a: FraudTrace, b: FraudTrace) -> Bool {
        a.subject == b.subject && a.action == b.action && a.reason == b.reason && a.condition == b.condition
    }
}

/// One rule's outcome for a decision.
public struct RuleTrace: Sendable {
    public enum Outcome: String, Sendable, CaseIterable {
        case paid
        case notEffective = "not effective"
        case notMatched = "not matched"
        case replaced
    }
    /// The rule's id, title and place in the rule files, shared by all its traces.
    public var names: RuleNames
    /// The rule's place in the plan's rules (-1 when not known): renderers write its id,
    /// title and place from words of their own made once per plan, without reading
    /// `names`, which the runner retains for every decision. (Read by the renderer on
    /// the other core, their cache lines went back and forth between the two: the runner's
    /// retains in evaluating rules took twice as many perf samples.)
    public var ruleIndex: Int32 = -1
    public var rule: String { names.rule }
    public var title: String { names.title }
    /// Where the rule is written (`file:line`).
    public var location: String { names.location }
    public var outcome: Outcome
    /// The condition that failed (not matched), with its label and the values it saw.
    public var failed: String?
    public var label: String?
    /// The values the failed condition read, by expression.
    public var saw: [(String, String)] {
        get { sawFacts.pairs }
        set { sawFacts = SawFacts(newValue) }
    }
    /// The same, kept without an array for the usual single value (see `SawFacts`).
    public var sawFacts: SawFacts
    /// The rule that replaced this one.
    public var replacedBy: String?
    public var amount: Int64?
    /// The arithmetic of each pay clause, in words.
    public var arithmetic: [String] {
        get { payments.map(\.text) }
        set { payments = newValue.map(PaymentArithmetic.words) }
    }
    /// The arithmetic of each pay clause as facts: renderers word rates in place.
    public var payments: [PaymentArithmetic] {
        get {
            switch paymentFacts {
            case .none: return []
            case .one(let payment): return [payment]
            case .listed(let payments): return payments
            }
        }
        set { paymentFacts = PaymentFacts(newValue) }
    }
    /// The same, kept without an array for the usual single pay clause (see `PaymentFacts`).
    public var paymentFacts: PaymentFacts
}

extension RuleTrace {
    /// A rule's trace with the values its failed condition saw as pairs.
    public init(names: RuleNames, ruleIndex: Int32 = -1, outcome: Outcome, failed: String? = nil, label: String? = nil, saw: [(String, String)],
                replacedBy: String? = nil, amount: Int64? = nil, paymentFacts: PaymentFacts) {
        self.init(names: names, ruleIndex: ruleIndex, outcome: outcome, failed: failed, label: label, sawFacts: SawFacts(saw),
                  replacedBy: replacedBy, amount: amount, paymentFacts: paymentFacts)
    }
}

/// The values a rule's failed condition read, in its trace. A condition that reads one
/// field (nearly every one that fails: `when customer.is_new`) holds its pair inline: an
/// array of one was an allocation for most decisions of the reference kit's data, made
/// on the runner's core.
public enum SawFacts: Sendable {
    case none
    case one(String, String)
    case listed([(String, String)])

    /// The facts of `pairs`: inline when there is one.
    public init(_ pairs: [(String, String)]) {
        switch pairs.count {
        case 0: self = .none
        case 1: self = .one(pairs[0].0, pairs[0].1)
        default: self = .listed(pairs)
        }
    }

    /// Every pair, in the order seen.
    public var pairs: [(String, String)] {
        switch self {
        case .none: return []
        case .one(let name, let value): return [(name, value)]
        case .listed(let pairs): return pairs
        }
    }

    /// Whether a value was seen for `name`.
    func contains(_ name: String) -> Bool {
        switch self {
        case .none: return false
        case .one(let seen, _): return seen == name
        case .listed(let pairs): return pairs.contains { $0.0 == name }
        }
    }

    /// Adds the next pair.
    mutating func append(_ name: String, _ value: String) {
        switch self {
        case .none: self = .one(name, value)
        case .one(let first, let firstValue): self = .listed([(first, firstValue), (name, value)])
        case .listed(var pairs):
            self = .none
            pairs.append((name, value))
            self = .listed(pairs)
        }
    }
}

/// The arithmetic of a rule's pay clauses in its trace. A rule with one pay clause (nearly
/// every paid rule) holds it inline: an array of one was an allocation for every paid
/// rule of every decision, and a free when the rendered trace was let go of (two of the
/// ten allocations a decision on the reference kit's data).
public enum PaymentFacts: Sendable {
    case none
    case one(PaymentArithmetic)
    case listed([PaymentArithmetic])

    /// The facts of `payments`: inline when there is one.
    public init(_ payments: [PaymentArithmetic]) {
        switch payments.count {
        case 0: self = .none
        case 1: self = .one(payments[0])
        default: self = .listed(payments)
        }
    }

    /// Adds the next pay clause's arithmetic.
    public mutating func append(_ payment: PaymentArithmetic) {
        switch self {
        case .none: self = .one(payment)
        case .one(let first): self = .listed([first, payment])
        case .listed(var payments):
            self = .none
            payments.append(payment)
            self = .listed(payments)
        }
    }
}

/// A rule's id, title and place in the rule files, made once per run and shared by every
/// trace of the rule: one reference to retain and release instead of three strings, for
/// every rule of every decision (the rules' traces made a fifth of the runner's retains
/// on the reference kit's large data; medium: evaluating 1.5%, rendering 2.5% faster).
public final class RuleNames: Sendable {
    public let rule: String
    public let title: String
    public let location: String

    public init(rule: String, title: String, location: String) {
        self.rule = rule
        self.title = title
        self.location = location
    }
}

/// One pay clause's arithmetic: words, or the facts of a rate paid on a base, worded only
/// when read or rendered (on the renderer's core: the words of a rate payment, made while
/// evaluating, were 3% of evaluating an order on the reference kit's medium data).
public enum PaymentArithmetic: Sendable, Equatable {
    case words(String)
    /// `PAYMENT: RATE% × BASE = AMOUNT`: the clause as written, the rate in percent points,
    /// base and amount in minor units with `digits` decimals.
    case rate(payment: String, points: ExactDecimal, base: Int64, amount: Int64, digits: Int)
    /// `PAYMENT: AMOUNT`: a fixed amount paid whole, in minor units with `digits` decimals.
    case fixed(payment: String, amount: Int64, digits: Int)

    public var text: String {
        switch self {
        case .words(let words): return words
        case .fixed(let payment, let amount, let digits): return payment + ": " + ExactDecimal(significand: amount, scale: digits).description
        case .rate(let payment, let points, let base, let amount, let digits):
            return payment + ": " + points.normalized.description + "% × " + ExactDecimal(significand: base, scale: digits).description
                + " = " + ExactDecimal(significand: amount, scale: digits).description
        }
    }
}

/// An adjustment applied to a decision (a cap), in the decision's own trace.
public struct AdjustmentTrace: Sendable {
    /// Why, as facts: a cap's words are made when the record is rendered, on the
    /// renderer's core. (Made by the runner, a capped decision's note was three amounts
    /// in words and four allocations on the core that sets the run's pace: 115,000 of
    /// the reference kit's large data's decisions are capped.)
    public enum Note: Sendable {
        case words(String)
        /// A limit per referrer and period: `used` counted before this decision, `room` left
        /// of `limit` (minor units with `digits` decimals).
        case period(used: Int64, room: Int64, limit: Int64, digits: Int)
        /// A limit per order: the order's `total` over `limit`, shared in proportion.
        case order(total: Int64, limit: Int64, digits: Int)

        /// The note in words.
        public var text: String {
            func money(_ minor: Int64, _ digits: Int) -> String { Value.moneyText(minor, digits: digits) }
            switch self {
            case .words(let words):
                return words
            case .period(let used, let room, let limit, let digits):
                return "\(money(used, digits)) already counted this period, \(money(room, digits)) left of \(money(limit, digits))"
            case .order(let total, let limit, let digits):
                return "the order's total \(money(total, digits)) is over \(money(limit, digits)); shared in proportion"
            }
        }
    }

    public var kind: String
    public var rule: String
    public var before: Int64
    public var after: Int64
    public var facts: Note
    public var note: String { facts.text }

    public init(kind: String, rule: String, before: Int64, after: Int64, note: String) {
        self.init(kind: kind, rule: rule, before: before, after: after, facts: .words(note))
    }

    public init(kind: String, rule: String, before: Int64, after: Int64, facts: Note) {
        self.kind = kind
        self.rule = rule
        self.before = before
        self.after = after
        self.facts = facts
    }
}

/// A record that changes what was decided: refund reductions and clawbacks, tier
/// top-ups. Nothing is edited in place; these records add up.
public struct AdjustmentRecord: Sendable {
    public enum Kind: String, Sendable { case reduction, clawback, tierAdjustment = "tier_adjustment", correction }
    public var id: String
    public var kind: Kind
    public var decision: String
    public var order: String
    public var referrer: String
    public var at: Timestamp
    /// The statement month it counts in.
    public var month: CalendarMonth
    public var amount: Int64
    public var reason: String
    public var arithmetic: String
    /// For a correction: the id of the decision or adjustment it corrects.
    public var corrects: String? = nil
    /// For a correction: why, in a word (`late order`, `refund`, `rule change`,
    /// `changed data`, `no longer stands`).
    public var cause: String? = nil
}

extension FraudTally {
    /// Counts decisions by referrer and order channel, flagged when a fraud check fired.
    ///
    /// Counted first by the referrer's index and among the few channels seen, then added
    /// to the tables keyed by text once per referrer and channel: four lookups by text
    /// for each decision took 0.08 s of the reference kit's large data, at the end of
    /// the run. (A decision whose referrer's text is not the one its index had before is
    /// counted by its text directly.)
    public mutating func count(_ decisions: [Decision]) {
        var referrers: [(name: String, total: Int, flagged: Int)?] = []
        var channels: [(name: String, total: Int, flagged: Int)] = []
        decisions.forEachInPlace { decision in
            let flagged = !decision.pointee.fraudChecks.isEmpty
            let channel = decision.pointee.orderChannel.isEmpty ? "(none)" : decision.pointee.orderChannel
            if let place = channels.firstIndex(where: { $0.name == channel }) {
                channels[place].total += 1
                if flagged { channels[place].flagged += 1 }
            } else if channels.count < 64 {
                channels.append((channel, 1, flagged ? 1 : 0))
            } else {
                byChannel[channel, default: (0, 0)].total += 1
                if flagged { byChannel[channel]!.flagged += 1 }
            }
            let index = Int(decision.pointee.referrerIndex), referrer = decision.pointee.referrer
            if index >= 0, index < 1 << 24 {
                if index >= referrers.count { referrers += Array(repeating: nil, count: index + 1 - referrers.count) }
                if referrers[index] == nil { referrers[index] = (referrer, 0, 0) }
                if referrers[index]!.name == referrer {
                    referrers[index]!.total += 1
                    if flagged { referrers[index]!.flagged += 1 }
                    return
                }
            }
            byReferrer[referrer, default: (0, 0)].total += 1
            if flagged { byReferrer[referrer]!.flagged += 1 }
        }
        for case let (name, total, flagged)? in referrers {
            byReferrer[name, default: (0, 0)].total += total
            byReferrer[name]!.flagged += flagged
        }
        for (name, total, flagged) in channels {
            byChannel[name, default: (0, 0)].total += total
            byChannel[name]!.flagged += flagged
        }
    }
}
