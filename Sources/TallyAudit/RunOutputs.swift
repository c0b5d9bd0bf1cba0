import Foundation
import TallyLedgers
import TallyPlan
import TallyRun
import TallySource
import TallyValues

/// The files a run writes into its output folder, rendered as text: identical inputs,
/// rules and as-of give byte-identical files (no wall clock, no hashing order).
public struct RunOutputs {
    /// `decisions.jsonl` as bytes, when it was kept in memory: empty when the run
    /// streamed it into its output folder (`decisionsFile`).
    public var decisionBytes: [UInt8]
    /// Why streaming `decisions.jsonl` to its file failed, if it did.
    public var writeProblem: String?
    public var decisions: String { String(decoding: decisionBytes, as: UTF8.self) }
    /// Where `decisions.jsonl` was written during the run instead (renamed by `write`).
    public var decisionsFile: String?
    /// Whether `write` keeps the ledger it replaces as `previousDecisions` (not for a
    /// redacted run).
    public var keepsPrevious = true
    /// The hash of the last decision record (the `end` record).
    public var decisionsHash: String
    public var statements: String
    public var rejects: String
    public var summary: String

    /// The outputs of a run; `log` holds its decision records when they were streamed
    /// during the run, otherwise they are rendered here from `result`.
    public init(plan: Plan, ledgers: Ledgers, result: RunResult, header: RunHeader, log streamed: DecisionLog? = nil,
                redactor: Redactor? = nil) {
        var finishing: (@Sendable () -> DecisionLog)?
        if let streamed { finishing = { streamed } }
        self.init(plan: plan, ledgers: ledgers, result: result, header: header, finishing: finishing, redactor: redactor)
    }

    /// The outputs of a run whose decision records are still being rendered: `finishing`
    /// waits for them and gives the log, on a thread of its own, while statements, rejects
    /// and the summary are written (they do not depend on it).
    public init(plan: Plan, ledgers: Ledgers, result: RunResult, header: RunHeader, finishing: (@Sendable () -> DecisionLog)?,
                redactor: Redactor? = nil) {
        // The log is finished (the last records rendered, the adjustments after them) and
        // the summary made on other threads beside the statements: one after the other,
        // with a core idle most of the time, they took 0.3 s of the reference kit's large
        // data after the run.
        let finished = FinishedLog()
        let finishedDone = DispatchGroup()
        if let finishing {
            DispatchQueue.global().async(group: finishedDone) { finished.value = finishing() }
        }
        let summaryText = SummaryText()
        let summaryDone = DispatchGroup()
        let inputs = SummaryInputs(plan: plan, ledgers: ledgers, result: result, inputsDigest: header.inputsDigest)
        DispatchQueue.global().async(group: summaryDone) {
            summaryText.value = RunSummary.json(plan: inputs.plan, ledgers: inputs.ledgers, result: inputs.result,
                                                inputsDigest: inputs.inputsDigest).pretty() + "\n"
        }
        statements = RunOutputs.statements(plan: plan, result: result, redactor: redactor)
        var rejects = ledgers.rejects
        if let redactor {
            for index in rejects.indices {
                rejects[index].value = redactor.scrub(rejects[index].value)
                rejects[index].reason = redactor.scrub(rejects[index].reason)
            }
        }
        self.rejects = RejectsFile.render(rejects)
        summaryDone.wait()
        summary = summaryText.value
        var log: DecisionLog
        finishedDone.wait()
        if let value = finished.value {
            log = value
        } else {
            log = DecisionLog(plan: plan, header: header, redactor: redactor)
            log.append(result)
        }
        log.close(outputs: [("statements.csv", statements), ("rejects.csv", self.rejects), ("summary.json", summary)]
            .map { FileDigest(name: $0.0, sha256: Digest.sha256($0.1)) })
        decisionBytes = log.bytes
        decisionsHash = log.lastHash
        writeProblem = log.writeProblem
    }

    /// What the summary is made from, handed to the core that makes it (read only there
    /// until it is done).
    private struct SummaryInputs: @unchecked Sendable {
        let plan: Plan
        let ledgers: Ledgers
        let result: RunResult
        let inputsDigest: String
    }

    /// The summary's text, written by the core that makes it before `summaryDone` leaves.
    private final class SummaryText: @unchecked Sendable {
        var value = ""
    }

    /// The finished log, written by the thread that finishes it before `finishedDone` leaves.
    private final class FinishedLog: @unchecked Sendable {
        var value: DecisionLog?
    }

    /// `statements.csv`: a `total` line per referrer and month, preceded by a
    /// `correction` line for each correction booked in it (its amount in `corrections`,
    /// the decision or adjustment it corrects and why in `note`).
    static func statements(plan: Plan, result: RunResult, redactor: Redactor?) -> String {
        let digits = plan.currency.minorUnits, currency = plan.currency.code
        // Appended field by field into one string sized ahead: joining an array of fields
        // for every line was most of writing the file (140,000 lines on the reference
        // kit's large data, on one core while the other had nothing left to do).
        var csv = "referrer,month,line,currency,carried_in,earned,reductions,clawbacks,corrections,paid,carried_out,note\n"
        csv.reserveCapacity(csv.utf8.count + 112 * result.statements.count)
        func money(_ minor: Int64) {
            csv += Value.moneyText(minor, digits: digits)
            csv += ","
        }
        for row in result.statements {
            let referrer = RejectsFile.quote(row.referrer), month = row.month.description
            for note in row.notes {
                let words = "\(note.corrects): \(note.reason)"
                csv += referrer + "," + month + ",correction," + currency + ",,,,,"
                money(note.amount)
                csv += ",," + RejectsFile.quote(redactor?.scrub(words) ?? words) + "\n"
            }
            csv += referrer + "," + month + ",total," + currency + ","
            money(row.carriedIn)
            money(row.earned)
            money(row.reductions)
            money(row.clawbacks)
            money(row.corrections)
            money(row.paid)
            money(row.carriedOut)
            csv += "\n"
        }
        return csv
    }

    /// The file a run streams its decision records into before `write` names it (one
    /// per process: two runs into one folder do not share it).
    public static func partialDecisions(in folder: String) -> String {
        (folder as NSString).appendingPathComponent(".decisions.jsonl.partial-\(getpid())")
    }

    /// The decision ledger of the run before, kept by `write` beside the new one (so a
    /// re-run can be compared with what it replaced) unless the run was redacted.
    public static let previousDecisions = "decisions.previous.jsonl"

    /// Opens `partialDecisions(in:)` for writing (the folder is created if needed). When
    /// the folder keeps a previous ledger, that file is taken and rewritten in place
    /// (`DecisionLog.close` cuts what is left past the new records): its pages are
    /// already in memory, while a new file asks the kernel for fresh ones, and on this
    /// project's 2-core VM writing 1.5 GB into fresh page-cache pages took 2.8 s of the
    /// renderer's core against 0.13 s for pages that are reused (dd, 2026-11-26).
    public static func openPartialDecisions(in folder: String) throws -> FileHandle {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = partialDecisions(in: folder)
        let previous = (folder as NSString).appendingPathComponent(previousDecisions)
        var descriptor: Int32 = -1
        var status = stat()
        if lstat(previous, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, rename(previous, path) == 0 {
            descriptor = open(path, O_WRONLY | O_CLOEXEC)
        }
        if descriptor < 0 { descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else { throw OutputProblem(words: "\(path): " + String(cString: strerror(errno))) }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Writes the four files into `folder` (created if needed).
    public func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let url = URL(fileURLWithPath: folder)
        if let decisionsFile {
            let target = url.appendingPathComponent("decisions.jsonl").path
            let previous = url.appendingPathComponent(Self.previousDecisions).path
            if let writeProblem { throw OutputProblem(words: writeProblem) }
            // The ledger being replaced stays as the previous one: a second name for it
            // first, so `decisions.jsonl` itself is replaced in one step. A redacted run
            // keeps none (the replaced ledger may name the people redaction hides).
            let kept = url.appendingPathComponent(".decisions.jsonl.previous-\(getpid())").path
            let keeps = keepsPrevious && link(target, kept) == 0
            if rename(decisionsFile, target) != 0 {
                if keeps { unlink(kept) }
                throw OutputProblem(words: "\(target): " + String(cString: strerror(errno)))
            }
            if keeps {
                if rename(kept, previous) != 0 { unlink(kept) }
            } else {
                unlink(previous)
            }
        } else {
            try writeDecisions(to: url)
        }
        for (name, text) in [("statements.csv", statements), ("rejects.csv", rejects), ("summary.json", summary)] {
            try Data(text.utf8).write(to: url.appendingPathComponent(name), options: .atomic)
        }
    }

    private func writeDecisions(to url: URL) throws {
        try decisionBytes.withUnsafeBytes { try Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!), count: $0.count, deallocator: .none)
            .write(to: url.appendingPathComponent("decisions.jsonl"), options: .atomic) }
    }
}

/// Why an output file could not be written, in words.
public struct OutputProblem: Error, CustomStringConvertible {
    public var words: String
    public var description: String { words }
}

/// Counts in and out, totals, fraud, warnings: `summary.json` and the lines printed after a run.
public enum RunSummary {
    static func statusCounts(_ result: RunResult) -> [(String, Int, Int64)] {
        let order: [DecisionStatus] = [.payable, .pending, .held, .rejected, .capped, .noRule]
        var counts = Array(repeating: (0, Int64(0)), count: order.count)
        result.decisions.forEachInPlace { decision in
            guard let index = order.firstIndex(of: decision.pointee.status) else { return }
            counts[index].0 += 1
            counts[index].1 += decision.pointee.amount
        }
        return order.indices.map { (order[$0].rawValue, counts[$0].0, counts[$0].1) }
    }

    public static func json(plan: Plan, ledgers: Ledgers, result: RunResult, inputsDigest: String) -> JSON {
        let digits = plan.currency.minorUnits
        func money(_ minor: Int64) -> JSON { .string(Value.moneyText(minor, digits: digits)) }
        let ledgerCounts: [JSON] = ledgers.counts.map { count in
            .object([("file", .string(count.file)), ("ledger", .string(count.kind.rawValue)), ("read", .int(Int64(count.read))),
                     ("accepted", .int(Int64(count.accepted))), ("rejected", .int(Int64(count.rejected))),
                     ("duplicates", .int(Int64(count.duplicates)))])
        }
        let adjustmentKinds: [AdjustmentRecord.Kind] = [.reduction, .clawback, .tierAdjustment, .correction]
        var fraudByCheck: [String: Int] = result.touchesRejected
        result.decisions.forEachInPlace { decision in
            for check in decision.pointee.fraudChecks { fraudByCheck["order: " + check.reason, default: 0] += 1 }
        }
        return .object([
            ("program", .string(plan.name)),
            ("currency", .string(plan.currency.code)),
            ("timezone", .string(plan.clock.zone.identifier)),
            ("as_of", .string(Value.timestampText(result.asOf))),
            ("rules_version", .string(plan.rulesVersion)),
            ("inputs_digest", .string(inputsDigest)),
            ("ledgers", .array(ledgerCounts)),
            ("orders", .object([
                ("processed", .int(Int64(result.ordersProcessed))),
                ("cancelled", .int(Int64(result.cancelled.count))),
                ("unattributed", .int(Int64(result.unattributed.count))),
                ("unattributed_orders", .array(result.unattributed.map(JSON.string))),
                ("after_as_of", .int(Int64(result.ordersAfterAsOf))),
            ])),
            ("decisions", .object(statusCounts(result).map { ($0.0, .object([("count", .int(Int64($0.1))), ("amount", money($0.2))])) })),
            ("adjustments", .object(adjustmentKinds.map { kind in
                let records = result.adjustments.filter { $0.kind == kind }
                return (kind.rawValue, .object([("count", .int(Int64(records.count))), ("amount", money(records.reduce(0) { $0 + $1.amount }))]))
            })),
            ("statements", .object([
                ("rows", .int(Int64(result.statements.count))),
                ("paid", money(result.statements.reduce(0) { $0 + $1.paid })),
            ])),
            ("fraud", .object(fraudByCheck.keys.sorted().map { ($0, .int(Int64(fraudByCheck[$0]!))) })),
            ("fraud_rates", fraudRates(result)),
            ("warnings", .array(result.warnings.map(JSON.string))),
        ])
    }

    /// Flagged / total per referrer and per channel: decisions flagged by an order or touch
    /// check, and clicks flagged by a touch check.
    static func fraudRates(_ result: RunResult) -> JSON {
        var decisions = FraudTally()
        decisions.count(result.decisions)
        func table(_ counts: [String: (total: Int, flagged: Int)]) -> JSON {
            .object(counts.keys.sorted().map { key in
                let entry = counts[key]!
                let rate = ExactDecimal(significand: Int64(entry.total == 0 ? 0 : (entry.flagged * 10_000 + entry.total / 2) / entry.total), scale: 4)
                return (key, .object([("flagged", .int(Int64(entry.flagged))), ("total", .int(Int64(entry.total))), ("rate", .number(rate.description))]))
            })
        }
        return .object([
            ("decisions_by_referrer", table(decisions.byReferrer)),
            ("decisions_by_channel", table(decisions.byChannel)),
            ("clicks_by_referrer", table(result.clicksScreened.byReferrer)),
            ("clicks_by_channel", table(result.clicksScreened.byChannel)),
        ])
    }

    /// The short human summary printed on stdout.
    public static func text(plan: Plan, ledgers: Ledgers, result: RunResult, output: String) -> String {
        let digits = plan.currency.minorUnits
        func money(_ minor: Int64) -> String { Value.moneyText(minor, digits: digits) + " " + plan.currency.code }
        var out = "\(plan.name): as of \(Value.timestampText(result.asOf))\n"
        let width = max(8, ledgers.counts.map(\.file.count).max() ?? 8)
        out += "ledgers" + String(repeating: " ", count: width - 4) + "read  accepted  rejected\n"
        for count in ledgers.counts {
            out += "  " + count.file + String(repeating: " ", count: width - count.file.count + 1)
            out += pad(count.read, 5) + "  " + pad(count.accepted, 8) + "  " + pad(count.rejected, 8)
            if count.duplicates > 0 { out += "  (\(count.duplicates) duplicate\(count.duplicates == 1 ? "" : "s"))" }
            out += "\n"
        }
        out += "orders: \(result.ordersProcessed) processed, \(result.cancelled.count) cancelled, \(result.unattributed.count) unattributed"
        if result.ordersAfterAsOf > 0 { out += ", \(result.ordersAfterAsOf) after the as-of instant" }
        out += "\n"
        let counts = statusCounts(result).filter { $0.1 > 0 }
        out += "decisions: \(result.decisions.count)" + (counts.isEmpty ? "" : " (" + counts.map { "\($0.1) \($0.0)" }.joined(separator: ", ") + ")") + "\n"
        var payable: Int64 = 0, pending: Int64 = 0, flaggedDecisions = 0
        result.decisions.forEachInPlace { decision in
            switch decision.pointee.status {
            case .payable: payable += decision.pointee.amount
            case .pending, .held: pending += decision.pointee.amount
            default: break
            }
            if !decision.pointee.fraudChecks.isEmpty { flaggedDecisions += 1 }
        }
        out += "amounts: \(money(payable)) payable, \(money(pending)) pending or held\n"
        let refunds = result.adjustments.filter { $0.kind != .tierAdjustment }
        if !refunds.isEmpty {
            out += "refunds: \(refunds.count) record\(refunds.count == 1 ? "" : "s"), \(money(refunds.reduce(0) { $0 + $1.amount }))\n"
        }
        let flaggedClicks = result.clicksScreened.byChannel.values.reduce(0) { $0 + $1.flagged }
        let clicks = result.clicksScreened.byChannel.values.reduce(0) { $0 + $1.total }
        if flaggedDecisions + flaggedClicks > 0 {
            out += "fraud: \(flaggedDecisions) of \(result.decisions.count) decisions and \(flaggedClicks) of \(clicks) clicks flagged (rates per referrer and channel in summary.json)\n"
        }
        for warning in result.warnings { out += "warning: \(warning)\n" }
        out += "wrote \(output)/decisions.jsonl, statements.csv, rejects.csv, summary.json\n"
        return out
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
