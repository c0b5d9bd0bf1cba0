import TallySource
import TallyValues

/// Every ledger of a project, loaded, validated and sorted for the runner, with the
/// account of every row read.
public struct Ledgers: Sendable {
    public var referrers: [Referrer] = []
    /// Referrer id -> index into `referrers`.
    public var referrerIndex: [String: Int32] = [:]
    public var products: [String: Product] = [:]
    /// Clicks in (timestamp, input order) order.
    public var clicks = ClickTable()
    /// Orders in (timestamp, order id byte-wise) order.
    public var orders: [Order] = []
    /// Refunds in (timestamp, input order) order.
    public var refunds: [Refund] = []
    public var assignments: [PromoAssignment] = []
    public var surveys: [SurveyAnswer] = []
    public var fxRates: [FXRate] = []
    /// Review resolutions, by order id then file order.
    public var resolutions: [String: [Resolution]] = [:]
    /// `CURRENCY date` -> index into `fxRates`.
    var fxIndex: [String: Int] = [:]
    /// Rows not accepted, in file order then line order.
    public var rejects: [Reject] = []
    /// Counts per ledger file, in the order the project lists them.
    public var counts: [LedgerCount] = []
    /// Problems with whole files (unreadable, no header, missing columns).
    public var fileProblems: [Diagnostic] = []
    /// The ledger files as named in the project, by `RowReference.file`.
    public var files: [String] = []

    public init() {}

    /// The latest event timestamp (clicks, orders, refunds, survey answers): the
    /// default as-of instant of a run.
    public var latestEvent: Timestamp? {
        var latest: Timestamp?
        func see(_ t: Timestamp?) {
            guard let t else { return }
            if latest == nil || t > latest! { latest = t }
        }
        see(clicks.last?.at)
        see(orders.last?.at)
        see(refunds.last?.at)
        for survey in surveys { see(survey.at) }
        return latest
    }

    /// Every personal identifier in the ledgers: customer keys and emails of orders and
    /// clicks, ip addresses and device ids of clicks, referrers' emails (for `--redact`).
    public var personalIdentifiers: [String] {
        var values = clicks.personalIdentifiers
        for order in orders {
            values.append(order.customer)
            values.append(order.email)
        }
        for referrer in referrers { values.append(referrer.email) }
        return values
    }

    /// The FX rate of `currency` on `date`, if the FX ledger has one.
    public func fxRate(_ currency: String, on date: CivilDate) -> FXRate? {
        fxIndex["\(currency) \(date)"].map { fxRates[$0] }
    }
}
