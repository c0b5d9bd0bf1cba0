import Foundation
import TallyAudit
import TallyPlan
import TallyRun
import TallyValues

/// `tally close --period 2026-03`: books the months up to the period as paid. The run's
/// decisions, adjustments and statements of the months not closed yet are appended to
/// the project's paid ledger, after a `close` record; later runs never change those
/// months and book any difference as corrections in the first open month.
public struct PeriodClose {
    public var text: String
    public var exitCode: Int32

    public static func close(project: String, period periodText: String, asOf: String?, output: String?) -> PeriodClose {
        guard let period = CalendarMonth(text: periodText) else {
            return PeriodClose(text: "tally close: `--period \(periodText)` is not a month (write 2026-03)\n", exitCode: 2)
        }
        let load = ProjectLoad.load(project)
        if let problem = load.usageError { return PeriodClose(text: "tally close: \(problem)\n", exitCode: 2) }
        guard let loaded = load.loaded, !load.diagnostics.hasErrors else {
            return PeriodClose(text: "tally close: the project does not load; run `tally check`\n", exitCode: 1)
        }
        let plan = loaded.plan
        // Refusals first, before anything is written.
        switch loaded.paidLedger {
        case .failure(let problem):
            return PeriodClose(text: "tally close: \(loaded.project.paid)\(problem.line.map { ":\($0)" } ?? ""): the paid ledger cannot be trusted: \(problem.reason)\n", exitCode: 2)
        case .success(let contents):
            if let through = contents.books?.through, period <= through {
                return PeriodClose(text: "tally close: \(period) is already closed (the paid ledger is closed through \(through)); a closed month is never reopened: run `tally run` to see corrections\n", exitCode: 2)
            }
        }
        let periodEnd = plan.clock.lastInstant(of: period)
        let instant = asOf.flatMap { ProjectRun.asOf($0, clock: plan.clock) } ?? loaded.ledgers.latestEvent ?? Timestamp(secondsSinceEpoch: 0)
        guard instant >= periodEnd else {
            return PeriodClose(text: "tally close: \(period) has not ended as of \(Value.timestampText(instant)) (the latest event in the ledgers or --as-of): close a month once its data is in, or pass --as-of \(period.lastDay) or later\n", exitCode: 2)
        }
        // The run that is closed keeps its outputs beside the project's: the close record
        // names its decisions by the hash of their end record.
        let folder = output ?? loaded.project.output
        let closedFolder = ((folder as NSString).appendingPathComponent("closes") as NSString).appendingPathComponent(period.description)
        // A ledger cut back by whole closes still chains; the runs those closes kept say
        // that the months were closed.
        if FileManager.default.fileExists(atPath: closedFolder) {
            return PeriodClose(text: "tally close: `\(closedFolder)` holds a run that closed \(period) already, but the paid ledger does not record that close: records may have been removed from its end; if an earlier close of \(period) did not complete, remove that folder and close again\n", exitCode: 2)
        }
        let run = ProjectRun.run(project, asOf: asOf, output: closedFolder, write: true, keepTraces: false, loaded: load)
        if let problem = run.usageError { return PeriodClose(text: "tally close: \(problem)\n", exitCode: 2) }
        guard let result = run.result, let header = run.header, let outputs = run.outputs, let contents = run.paidLedger else {
            return PeriodClose(text: "tally close: the project does not run; run `tally check`\n", exitCode: 1)
        }
        let decisionsHash = outputs.decisionsHash
        let (records, summary) = PaidLedger.closing(period: period, after: contents.books, result: result, plan: plan, header: header,
                                                    decisionsHash: decisionsHash, previous: contents.lastHash)
        let paidPath = loaded.project.paid
        do {
            if !FileManager.default.fileExists(atPath: paidPath) {
                guard FileManager.default.createFile(atPath: paidPath, contents: nil) else { throw CocoaError(.fileWriteNoPermission) }
            }
            guard let handle = FileHandle(forWritingAtPath: paidPath) else { throw CocoaError(.fileWriteNoPermission) }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(records))
            try handle.close()
        } catch {
            return PeriodClose(text: "tally close: cannot append to the paid ledger `\(paidPath)`: \(error.localizedDescription)\n", exitCode: 2)
        }
        // The outputs are written by a run that reads the ledger just closed, so that
        // `tally verify` finds them consistent with it.
        let after = ProjectRun.run(project, asOf: asOf, output: output, write: true, keepTraces: false, loaded: load.withFreshPaidLedger())
        if let problem = after.usageError { return PeriodClose(text: "tally close: \(problem)\n", exitCode: 2) }
        let digits = plan.currency.minorUnits
        let months = summary.first.map { $0 == period ? "\(period)" : "\($0) to \(period)" } ?? "up to \(period)"
        var text = "closed \(months): \(summary.statements) statement\(summary.statements == 1 ? "" : "s"), "
        text += "\(Value.moneyText(summary.paid, digits: digits)) \(plan.currency.code) paid to \(summary.referrersPaid.count) referrer\(summary.referrersPaid.count == 1 ? "" : "s") "
        text += "(\(summary.decisions) decisions, \(summary.adjustments) adjustments)\n"
        text += "appended to \(ProjectRun.relative(paidPath, to: loaded.project.folder)); the run closed is kept in \(closedFolder)/; "
        text += "wrote \(after.outputFolder ?? "")/decisions.jsonl, statements.csv, rejects.csv, summary.json\n"
        return PeriodClose(text: text, exitCode: 0)
    }
}
