import TallyValues

/// Where a record came from: the ledger file and the 1-based line of its (first) row.
public struct RowReference: Hashable, Sendable, Comparable {
    /// Index of the file in the project's ledger list.
    public var file: Int
    public var line: Int
    public init(file: Int, line: Int) {
        self.file = file
        self.line = line
    }
    public static func < (lhs: RowReference, rhs: RowReference) -> Bool {
        (lhs.file, lhs.line) < (rhs.file, rhs.line)
    }
}

/// A value of an extra referrer column, typed as the program declares it.
public enum ExtraValue: Hashable, Sendable {
    case missing
    case string(String)
    case number(ExactDecimal)
    /// Minor units of the program currency.
    case money(Int64)
    /// Basis points (8% is 800).
    case percent(Int64)
    case date(CivilDate)
    case timestamp(Timestamp)
    case bool(Bool)
    /// Seconds.
    case duration(Int64)
}

/// A partner who can be credited.
public struct Referrer: Sendable, Equatable {
    /// Dense index used by every other record to point at this referrer.
    public var index: Int32
    public var id: String
    public var name: String
    public var kind: String
    public var tier: String
    public var email: String
    public var status: String
    public var joined: CivilDate?
    /// Values of the program's `referrer fields`, in declaration order.
    public var extras: [ExtraValue]
    public var source: RowReference
}

/// A click: a touch that reaches orders through the customer key.
public struct Click: Sendable, Equatable {
    public var id: String
    public var at: Timestamp
    public var referrer: Int32
    public var customer: String
    public var channel: String
    public var campaign: String
    public var ip: String
    public var device: String
    public var utmSource: String
    public var utmMedium: String
    public var utmCampaign: String
    public var utmContent: String
    public var utmTerm: String
    public var landingURL: String
    /// The signed token of the link, empty when the click carried none.
    public var token: String
    public var source: RowReference
}

/// One line of an order; amounts in minor units of the order's currency.
public struct OrderLine: Sendable, Equatable {
    public var sku: String
    public var asin: String
    public var category: String
    public var name: String
    public var quantity: Int64
    /// Unit price.
    public var price: Int64
    /// Line total before discounts (quantity x price unless the export says otherwise).
    public var amount: Int64
    /// Promotion discount on the line (a magnitude).
    public var discount: Int64
    public var net: Int64 { amount - discount }
    public var source: RowReference
}

/// An order with its lines. Money is in minor units of `currency`.
public struct Order: Sendable, Equatable {
    public var id: String
    public var at: Timestamp
    public var customer: String
    public var email: String
    public var channel: String
    public var marketplace: String
    /// Lower-case status (`shipped`, `pending`, `cancelled`, …).
    public var status: String
    public var currency: Currency
    public var lines: [OrderLine]
    public var shipping: Int64
    public var tax: Int64
    public var giftWrap: Int64
    /// Extra order-level discount not attributed to a line (e.g. a shipping promotion).
    public var orderDiscount: Int64
    /// Codes and promotion ids as they appear on the order.
    public var promoCodes: [String]
    public var source: RowReference

    // The sums and the status test are inlinable: the runner reads orders where they
    // lie (a pointer into the ledger), and calling an opaque property there made a copy
    // of the whole order, retaining its strings and arrays (on the reference kit's large
    // data, a copy of every order: 1% of a run's samples on the runner's core).

    /// The lines' amounts before discounts.
    @inlinable public var gross: Int64 { lines.reduce(0) { $0 + $1.amount } }
    /// Promotion discounts: on lines, plus any order-level discount.
    @inlinable public var discount: Int64 { lines.reduce(orderDiscount) { $0 + $1.discount } }
    /// Gross less discounts.
    @inlinable public var net: Int64 { Order.net(lines: lines, orderDiscount: orderDiscount) }
    /// The net of an order with these lines and order-level discount (for a reader that
    /// holds the order's fields, not the order: see `Runner.net(of:)`).
    @inlinable public static func net(lines: [OrderLine], orderDiscount: Int64) -> Int64 {
        lines.reduce(-orderDiscount) { $0 + $1.amount - $1.discount }
    }
    /// Whether the order was cancelled or voided (it earns nothing).
    @inlinable public var isCancelled: Bool { status == "cancelled" || status == "canceled" || status == "voided" }
}

/// Money returned to the customer for an order, in the order's currency.
public struct Refund: Sendable, Equatable {
    public var id: String
    public var order: String
    /// Where the order is in `Ledgers.orders` (refunds load after the orders are in
    /// their final order), so a run can tell a refunded order by position, not by id.
    public var orderPosition: Int
    public var at: Timestamp
    public var amount: Int64
    public var sku: String
    public var quantity: Int64?
    public var source: RowReference
}

/// A promo code or marketplace promotion id assigned to a referrer for `[from, until)`.
public struct PromoAssignment: Sendable, Equatable {
    /// The code as written; matching is case-insensitive.
    public var code: String
    public var referrer: Int32
    public var validFrom: Timestamp?
    public var validUntil: Timestamp?
    public var source: RowReference
}

/// A "how did you hear about us" answer naming a referrer for one order.
public struct SurveyAnswer: Sendable, Equatable {
    public var order: String
    public var at: Timestamp?
    public var answer: String
    /// The referrer the answer names; nil when it names none we know ("Instagram").
    public var referrer: Int32?
    public var source: RowReference
}

/// The rate of one currency in the program currency on a local date.
public struct FXRate: Sendable, Equatable {
    public var date: CivilDate
    public var currency: String
    /// Program-currency units per unit of `currency`, exactly as written.
    public var rate: ExactDecimal
    public var source: RowReference
}

/// What the product catalog says about a SKU: rules read `line.category` from here
/// when the order export has no category.
public struct Product: Sendable, Equatable {
    public var sku: String
    public var category: String
    public var name: String
    public var asin: String
}

/// A decision on an order held for review: release it (it then follows the return-window
/// hold from the order's date) or reject it. Part of the audit trail.
public struct Resolution: Sendable, Equatable {
    public enum Action: String, Sendable { case release, reject }
    public var order: String
    /// The referrer whose decision it resolves; nil for every held decision of the order.
    public var referrer: String?
    public var action: Action
    public var who: String
    public var note: String
    public var at: Timestamp?
    public var source: RowReference
}
