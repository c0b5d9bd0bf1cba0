import TallyValues

/// What closed periods paid, as the paid ledger (`tally close`) recorded it. A run given
/// closed books never changes a closed month: any difference between what is owed now
/// and what was paid becomes a correction record in the first open month.
public struct ClosedBooks: Sendable {
    /// The last closed month; every month up to it is closed.
    public var through: CalendarMonth
    /// Decision or adjustment id -> what was paid for it, corrections included.
    public var paid: [String: PaidItem]
    /// The statement rows of the closed months, as paid.
    public var statements: [StatementRow]
    /// The rules version of the last close: every close re-confirms all closed months.
    public var rulesVersion: String
    /// Orders some referrer was paid for in closed months.
    public let ordersPaid: Set<String>

    public init(through: CalendarMonth, paid: [String: PaidItem], statements: [StatementRow], rulesVersion: String) {
        self.through = through
        self.paid = paid
        self.statements = statements
        self.rulesVersion = rulesVersion
        ordersPaid = Set(paid.values.filter { $0.kind == "decision" && $0.amount != 0 }.map(\.order))
    }

    /// The month corrections are booked in: the first one not closed.
    public var openMonth: CalendarMonth { through.adding(months: 1) }
}

/// One decision or adjustment as closed periods paid it.
public struct PaidItem: Sendable, Equatable {
    public var id: String
    /// `decision`, or the adjustment kind (`clawback`, `reduction`, `tier_adjustment`).
    public var kind: String
    public var decision: String
    public var order: String
    public var referrer: String
    /// The statement month it was paid in.
    public var month: CalendarMonth
    /// Paid in total: the record's amount plus every correction of it paid since.
    public var amount: Int64

    public init(id: String, kind: String, decision: String, order: String, referrer: String, month: CalendarMonth, amount: Int64) {
        self.id = id
        self.kind = kind
        self.decision = decision
        self.order = order
        self.referrer = referrer
        self.month = month
        self.amount = amount
    }
}
