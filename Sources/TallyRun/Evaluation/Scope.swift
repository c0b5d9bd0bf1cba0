import TallyLedgers
import TallyPlan
import TallyValues

/// An order as rules see it: amounts converted to the program currency.
struct OrderView {
    /// The order's position in the ledger's orders (`Interpreter.orders`), where its
    /// fields are read in place: a copy of the whole order in every view, and every scope
    /// made of it, retained its strings and arrays (copies were a tenth of evaluating an
    /// order on the reference kit's medium data).
    var position: Int
    var at: Timestamp
    /// The lines converted, or nil when they are the order's own amounts (the order is in
    /// the program currency): made only when a per-line payment reads them (an array per
    /// order was 2% of evaluating one).
    var convertedLines: [LineView]?
    var gross: Int64
    var discount: Int64
    var net: Int64
    var shipping: Int64
    var tax: Int64
    var giftWrap: Int64
    var localDate: CivilDate
    /// The code that became coupon evidence, or "".
    var coupon: String
    /// The FX rate used, when the order is in another currency.
    var rate: ExactDecimal?
}

/// A line as rules see it, in the program currency.
struct LineView {
    var line: OrderLine
    var price: Int64
    var amount: Int64
    var discount: Int64
    var net: Int64 { amount - discount }
}

/// What is known about the order's customer at the order's moment.
struct CustomerFacts {
    var id: String
    var email: String
    var isNew: Bool
    var orderCount: Int
    var firstOrderAt: Timestamp?
    /// The latest earlier non-cancelled order, for `is_new(within:)`.
    var previousOrderAt: Timestamp?
}

/// One piece of evidence for an order.
struct Touch {
    enum Evidence: String {
        case coupon, click, survey

        /// The evidence class as one bit of a set of them.
        var bit: UInt8 {
            switch self {
            case .coupon: return 1
            case .click: return 2
            case .survey: return 4
            }
        }
    }
    var evidence: Evidence
    var at: Timestamp
    var referrer: Int32
    /// The click's index in the ledger, for clicks.
    var click: Int?
    var code: String
    var id: TouchID
    /// Input order, for ties at the same instant (a later row is a later touch).
    var sequence: Int
    /// `hold touch` checks that fired on this touch: its referrer's decision waits for review.
    var holds: [FraudTrace] = []
}

/// A referrer's share of an order, as rules see it.
struct CreditView {
    var weight: Weight
    var totalWeight: Weight
    var evidence: String
    var net: Int64
    var gross: Int64
    var discount: Int64
    var shipping: Int64
    var tax: Int64
    var giftWrap: Int64

    /// The share as an exact fraction.
    var share: Fraction { Fraction(Int128(weight.raw), Int128(totalWeight.raw)) }
}

/// Everything an expression can read while it is evaluated.
struct Scope {
    var order: OrderView?
    var customer: CustomerFacts?
    /// The referrer's index in the ledger's referrers (`Interpreter.referrers`): a copy
    /// of the whole record for every decision, retaining its seven strings and array, was
    /// 3% of evaluating one on the reference kit's large data.
    var referrer: Int32?
    var touch: Touch?
    var click: Click?
    var credit: CreditView?
    var line: LineView?
    /// The instant aggregates are anchored at (the touch's or the order's).
    var now: Timestamp
    var aggregates: AggregateIndexes?
}
