import Foundation
import TallyLedgers
import TallyPlan
import TallyRun
import TallySource
import TallyValues

/// The paid ledger (`paid.jsonl`): what each `tally close` booked as paid, hash-chained
/// like the decisions and only ever appended to. Each close writes a `close` record, then
/// a `paid` record per decision and adjustment counted in the closed months, then a
/// `statement` record per referrer and closed month.
public enum PaidLedger {
    /// A problem with the paid ledger, in words, with its line when there is one.
    public struct Problem: Error, Equatable, Sendable {
        public var line: Int?
        public var reason: String
    }

    /// The ledger's contents: closed books (nil when nothing was closed) and the hash of
    /// its last record, where the next close continues the chain.
    public struct Contents: Sendable {
        public var books: ClosedBooks?
        public var lastHash: String
        public var records: Int
    }

    /// Reads and checks a paid ledger. A missing file is an empty ledger. Besides the
    /// chain, each close must be followed by exactly the records it counts (so records cut
    /// from the end are noticed), periods must follow each other, and the currency must
    /// be the program's.
    public static func read(_ path: String, currency: String, digits: Int) -> Result<Contents, Problem> {
        guard FileManager.default.fileExists(atPath: path) else { return .success(Contents(books: nil, lastHash: HashChain.genesis, records: 0)) }
        // Read a line at a time, twice: the chain first, then the records. (Read whole, as
        // text split into lines, the ledger of one closed quarter of the reference kit's
        // large data, 134 MB, took every later run 10 s.)
        guard let links = HashChain.links(path: path), let lines = LedgerLines(path: path) else {
            return .failure(Problem(line: nil, reason: "cannot be read"))
        }
        if let broken = HashChain.firstBreak(links: links) { return .failure(Problem(line: broken.line, reason: broken.reason)) }
        var through: CalendarMonth?
        var rulesVersion = ""
        var paid: [String: PaidItem] = [:]
        var statements: [StatementRow] = []
        var notes: [String: [CorrectionNote]] = [:]
        var lastHash = HashChain.genesis
        var expected = 0
        var closeLine = 0
        var index = -1
        while let line = lines.next() {
            index += 1
            // Flat records at a glance (see `FlatRecord`); any other line as text (any bad
            // UTF-8 replaced), as the whole file was read before.
            guard let record = FlatRecord.object(line)
                    ?? (try? JSONSerialization.jsonObject(with: Data(String(decoding: line, as: UTF8.self).utf8)) as? [String: Any]) else {
                return .failure(Problem(line: index + 1, reason: "the record is not JSON"))
            }
            lastHash = record["hash"] as? String ?? lastHash
            func text(_ key: String) -> String { record[key] as? String ?? "" }
            func amount(_ key: String) -> Int64? { ExactDecimal(text(key))?.rescaled(to: digits) }
            func fail(_ what: String) -> Result<Contents, Problem> { .failure(Problem(line: index + 1, reason: what)) }
            if text("type") == "close" {
                guard expected == 0 else {
                    return fail("the close on line \(closeLine) counts \(expected) more record\(expected == 1 ? "" : "s") than follow it: records were removed")
                }
                guard let period = CalendarMonth(text: text("period")), let count = record["records"] as? Int else {
                    return fail("the close record has no period or record count")
                }
                if let through, period <= through { return fail("\(period) is closed again after \(through): closes must follow each other") }
                guard text("currency") == currency else {
                    return fail("the books were closed in \(text("currency")), the program pays in \(currency): a closed ledger cannot change currency")
                }
                through = period
                rulesVersion = text("rules_version")
                expected = count
                closeLine = index + 1
                continue
            }
            guard expected > 0 else { return fail("a `\(text("type"))` record outside any close: it was inserted") }
            expected -= 1
            switch text("type") {
            case "paid":
                guard let month = CalendarMonth(text: text("month")), let value = amount("amount") else {
                    return fail("the paid record has no month or amount")
                }
                let corrected = record["corrects"] as? String
                let id = corrected ?? text("id")
                let kind = corrected == nil ? text("kind") : (paid[id]?.kind ?? (id.contains("/refund:") || id.contains("/tier:") ? "adjustment" : "decision"))
                var item = paid[id] ?? PaidItem(id: id, kind: kind, decision: text("decision"), order: text("order"),
                                                referrer: text("referrer"), month: month, amount: 0)
                item.amount += value
                paid[id] = item
                if let corrected {
                    notes["\(text("referrer"))\t\(month)", default: []].append(CorrectionNote(corrects: corrected, amount: value, reason: text("reason")))
                }
            case "statement":
                guard let month = CalendarMonth(text: text("month")), let carriedIn = amount("carried_in"), let earned = amount("earned"),
                      let reductions = amount("reductions"), let clawbacks = amount("clawbacks"), let corrections = amount("corrections"),
                      let paidOut = amount("paid"), let carriedOut = amount("carried_out") else {
                    return fail("the statement record lacks a month or an amount")
                }
                statements.append(StatementRow(referrer: text("referrer"), month: month, carriedIn: carriedIn, earned: earned,
                                               reductions: reductions, clawbacks: clawbacks, corrections: corrections,
                                               paid: paidOut, carriedOut: carriedOut,
                                               notes: notes["\(text("referrer"))\t\(month)"] ?? []))
            default:
                return fail("`\(text("type"))` is not a record of the paid ledger")
            }
        }
        if expected > 0 {
            return .failure(Problem(line: closeLine, reason: "this close counts \(expected) more record\(expected == 1 ? "" : "s") than the file holds: records were removed from the end"))
        }
        let books = through.map { ClosedBooks(through: $0, paid: paid, statements: statements, rulesVersion: rulesVersion) }
        if let problem = lines.problem { return .failure(Problem(line: nil, reason: "cannot be read: \(problem)")) }
        return .success(Contents(books: books, lastHash: lastHash, records: links.count))
    }

    /// The records closing the months after the last closed one up to `period`: what
    /// `result` counts in them, as chained lines continuing from `previous`.
    public static func closing(period: CalendarMonth, after books: ClosedBooks?, result: RunResult, plan: Plan,
                               header: RunHeader, decisionsHash: String, previous: String) -> (lines: [UInt8], summary: CloseSummary) {
        let digits = plan.currency.minorUnits
        func money(_ minor: Int64) -> JSON { .string(Value.moneyText(minor, digits: digits)) }
        func inPeriod(_ month: CalendarMonth) -> Bool { month <= period && books.map { month > $0.through } ?? true }
        var records: [[(String, JSON)]] = []
        var summary = CloseSummary(period: period, first: books?.openMonth)
        for decision in result.decisions where decision.status == .payable {
            guard let date = decision.payableOn, inPeriod(CalendarMonth(date)) else { continue }
            records.append([("type", .string("paid")), ("period", .string(period.description)), ("id", .string(decision.id)),
                            ("kind", .string("decision")), ("decision", .string(decision.id)), ("order", .string(decision.order)),
                            ("referrer", .string(decision.referrer)), ("month", .string(CalendarMonth(date).description)),
                            ("amount", money(decision.amount))])
            summary.decisions += 1
        }
        for record in result.adjustments where inPeriod(record.month) {
            var members: [(String, JSON)] = [("type", .string("paid")), ("period", .string(period.description)), ("id", .string(record.id)),
                                             ("kind", .string(record.kind.rawValue)), ("decision", .string(record.decision)),
                                             ("order", .string(record.order)), ("referrer", .string(record.referrer)),
                                             ("month", .string(record.month.description)), ("amount", money(record.amount))]
            if let corrects = record.corrects {
                members += [("corrects", .string(corrects)), ("cause", .string(record.cause ?? "")), ("reason", .string(record.reason))]
            }
            records.append(members)
            summary.adjustments += 1
        }
        for row in result.statements where inPeriod(row.month) {
            records.append([("type", .string("statement")), ("period", .string(period.description)), ("referrer", .string(row.referrer)),
                            ("month", .string(row.month.description)), ("currency", .string(plan.currency.code)),
                            ("carried_in", money(row.carriedIn)), ("earned", money(row.earned)), ("reductions", money(row.reductions)),
                            ("clawbacks", money(row.clawbacks)), ("corrections", money(row.corrections)), ("paid", money(row.paid)),
                            ("carried_out", money(row.carriedOut))])
            summary.statements += 1
            summary.paid += row.paid
            if row.paid != 0 { summary.referrersPaid.insert(row.referrer) }
        }
        let close: [(String, JSON)] = [
            ("type", .string("close")), ("period", .string(period.description)),
            ("from", .string((books?.openMonth ?? result.statements.map(\.month).min() ?? period).description)),
            ("as_of", .string(Value.timestampText(result.asOf))), ("rules_version", .string(header.rulesVersion)),
            ("inputs_digest", .string(header.inputsDigest)), ("decisions", .string(decisionsHash)),
            ("currency", .string(plan.currency.code)), ("paid", money(summary.paid)),
            ("records", .int(Int64(records.count))),
        ]
        var out: [UInt8] = []
        var previous = previous
        for members in [close] + records {
            var body: [UInt8] = []
            JSON.object(members).write(into: &body, indent: nil, level: 0)
            body.removeLast()
            previous = body.withUnsafeBufferPointer { HashChain.seal($0, previous: previous, into: &out) }
        }
        return (out, summary)
    }

    /// What a close booked, for the closing message.
    public struct CloseSummary: Sendable {
        public var period: CalendarMonth
        /// The first month closed now (nil for a first close: from the first statement).
        public var first: CalendarMonth?
        public var decisions = 0
        public var adjustments = 0
        public var statements = 0
        public var paid: Int64 = 0
        public var referrersPaid = Set<String>()
    }
}
