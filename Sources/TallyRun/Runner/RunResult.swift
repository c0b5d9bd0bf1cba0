import TallyLedgers
import TallyValues

/// Everything a run produces, in deterministic order.
public struct RunResult: Sendable {
    public var asOf: Timestamp
    public var decisions: [Decision] = []
    public var adjustments: [AdjustmentRecord] = []
    public var statements: [StatementRow] = []
    /// Orders with no credited referrer, in processing order.
    public var unattributed: [String] = []
    public var cancelled: [String] = []
    /// Orders and refunds after the as-of instant, ignored as not yet happened.
    public var ordersAfterAsOf = 0
    public var refundsAfterAsOf = 0
    public var clicksAfterAsOf = 0
    /// Warnings about the data that do not reject a row (refunds above the net).
    public var warnings: [String] = []
    /// Touches rejected by fraud checks, by check reason.
    public var touchesRejected: [String: Int] = [:]
    /// Clicks screened and rejected, by referrer id and by click channel.
    public var clicksScreened = FraudTally()
    public var ordersProcessed = 0
}

extension Array where Element == Decision {
    /// Calls `body` with each decision read in place. (Iterating decisions by value
    /// copies each one, retaining and releasing every string it holds: most of the time
    /// of writing the summary of the reference kit's medium data.)
    public func forEachInPlace(_ body: (UnsafePointer<Decision>) -> Void) {
        withUnsafeBufferPointer { decisions in
            guard let base = decisions.baseAddress else { return }
            for index in decisions.indices { body(base + index) }
        }
    }
}

/// A statement line: one referrer, one month.
public struct StatementRow: Sendable, Equatable {
    public var referrer: String
    public var month: CalendarMonth
    public var carriedIn: Int64
    public var earned: Int64
    public var reductions: Int64
    public var clawbacks: Int64
    /// Differences against what closed periods paid (correction records).
    public var corrections: Int64
    public var paid: Int64
    public var carriedOut: Int64
    /// The corrections booked in this month, each on its own statement line.
    public var notes: [CorrectionNote] = []

    public init(referrer: String, month: CalendarMonth, carriedIn: Int64, earned: Int64, reductions: Int64, clawbacks: Int64,
                corrections: Int64, paid: Int64, carriedOut: Int64, notes: [CorrectionNote] = []) {
        self.notes = notes
        self.referrer = referrer
        self.month = month
        self.carriedIn = carriedIn
        self.earned = earned
        self.reductions = reductions
        self.clawbacks = clawbacks
        self.corrections = corrections
        self.paid = paid
        self.carriedOut = carriedOut
    }
}

/// One correction on a statement: what it corrects, by how much and why.
public struct CorrectionNote: Sendable, Equatable {
    public var corrects: String
    public var amount: Int64
    public var reason: String

    public init(corrects: String, amount: Int64, reason: String) {
        self.corrects = corrects
        self.amount = amount
        self.reason = reason
    }
}

/// Screened and flagged counts by referrer and by channel, for fraud rates.
public struct FraudTally: Sendable, Equatable {
    public var byReferrer: [String: (total: Int, flagged: Int)] = [:]
    public var byChannel: [String: (total: Int, flagged: Int)] = [:]

    public init() {}

    mutating func count(referrer: String, channel: String, flagged: Bool) {
        byReferrer[referrer, default: (0, 0)].total += 1
        byChannel[channel, default: (0, 0)].total += 1
        if flagged {
            byReferrer[referrer]!.flagged += 1
            byChannel[channel]!.flagged += 1
        }
    }

    public static func == (a: FraudTally, b: FraudTally) -> Bool {
        a.byReferrer.mapValues { [$0.total, $0.flagged] } == b.byReferrer.mapValues { [$0.total, $0.flagged] }
            && a.byChannel.mapValues { [$0.total, $0.flagged] } == b.byChannel.mapValues { [$0.total, $0.flagged] }
    }
}
