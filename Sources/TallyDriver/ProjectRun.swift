import Foundation
import TallyAudit
import TallyLedgers
import TallyPlan
import TallyRun
import TallySource
import TallyValues

/// `tally run`: load the project, compile the plan, run it, write the outputs.
public struct ProjectRun {
    public var load: ProjectLoad
    public var plan: Plan?
    public var result: RunResult?
    public var outputs: RunOutputs?
    public var outputFolder: String?
    /// A problem with the invocation or the file system (exit code 2).
    public var usageError: String?

    public var exitCode: Int32 {
        if usageError != nil || load.usageError != nil { return 2 }
        if load.diagnostics.hasErrors || result == nil { return 1 }
        return load.loaded?.ledgers.rejects.isEmpty == false ? 1 : 0
    }

    /// Reads an as-of argument: an ISO timestamp, or a date meaning the end of that
    /// local day in the program's time zone.
    public static func asOf(_ text: String, clock: ProgramClock) -> Timestamp? {
        if let exact = Timestamp.parse(text) { return exact }
        if let date = CivilDate(iso: Substring(text)) {
            return Timestamp(secondsSinceEpoch: clock.startOfDay(date.adding(days: 1)).secondsSinceEpoch - 1)
        }
        return nil
    }

    /// Runs the project at `path`; `write` false computes everything without writing.
    /// `paid` is the `decisions.jsonl` of the last run whose payable decisions were paid.
    /// `keepTraces` false drops each decision's full trace once its record is rendered
    /// (the `tally run` command): outputs are the same, memory stays flat.
    public static func run(_ path: String, asOf asOfText: String? = nil, output: String? = nil, write: Bool = true,
                           program: String? = nil, paid paidPath: String? = nil, keepTraces: Bool = true) -> ProjectRun {
        let clock = StageClock()
        var run = ProjectRun(load: ProjectLoad.load(path, program: program))
        clock.lap("load")
        defer { clock.lap("outputs") }
        guard let loaded = run.load.loaded, !run.load.diagnostics.hasErrors else { return run }
        let plan = loaded.plan
        run.plan = plan
        var asOf: Timestamp?
        if let asOfText {
            guard let instant = ProjectRun.asOf(asOfText, clock: plan.clock) else {
                run.usageError = "`--as-of \(asOfText)` is not a date or timestamp (write 2026-05-31 or 2026-05-31T23:59:59Z)"
                return run
            }
            asOf = instant
        }
        var paid: [PaidDecision] = []
        if let paidPath {
            guard let data = FileManager.default.contents(atPath: paidPath) else {
                run.usageError = "cannot read the paid decisions `\(paidPath)`"
                return run
            }
            let text = String(decoding: data, as: UTF8.self)
            if let broken = DecisionLog.firstBreak(text.split(separator: "\n").map(String.init)) {
                run.usageError = "\(paidPath):\(broken.line): the paid ledger's hash chain is broken (\(broken.reason)); it cannot be trusted as what was paid"
                return run
            }
            paid = DecisionLog.paidDecisions(text, digits: plan.currency.minorUnits)
        }
        let inputs = Digest.files(loaded.project.ledgers.map { (name: relative($0.path, to: loaded.project.folder), path: $0.path) })
        clock.lap("inputs digest")
        // Records are rendered and chained on another core while the runner evaluates.
        let stream = DecisionLog.Stream(plan: plan, inputsDigest: inputs)
        let result = Runner.run(plan, ledgers: loaded.ledgers, asOf: asOf, paid: paid, sink: stream.receive, keepTraces: keepTraces)
        run.result = result
        clock.lap("run")
        let outputs = RunOutputs(plan: plan, ledgers: loaded.ledgers, result: result, inputsDigest: inputs,
                                 log: stream.finish(adjustments: result.adjustments))
        run.outputs = outputs
        let folder = output ?? loaded.project.output
        run.outputFolder = folder
        if write {
            do {
                try outputs.write(to: folder)
            } catch {
                run.usageError = "cannot write the outputs to `\(folder)`: \(error.localizedDescription)"
            }
        }
        return run
    }

    static func relative(_ path: String, to folder: String) -> String {
        folder.isEmpty || !path.hasPrefix(folder + "/") ? path : String(path.dropFirst(folder.count + 1))
    }

    /// The human summary for stdout.
    public var summaryText: String {
        guard let plan, let result, let loaded = load.loaded else { return "" }
        return RunSummary.text(plan: plan, ledgers: loaded.ledgers, result: result, output: outputFolder ?? "")
    }
}

/// Stage timings on stderr when `TALLY_TIMING` is set: for profiling only, never in outputs.
final class StageClock {
    private var last = DispatchTime.now().uptimeNanoseconds
    private let enabled = ProcessInfo.processInfo.environment["TALLY_TIMING"] != nil

    func lap(_ stage: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        FileHandle.standardError.write(Data("timing: \(stage) \(String(format: "%.3f", Double(now - last) / 1e9)) s\n".utf8))
        last = now
    }
}
