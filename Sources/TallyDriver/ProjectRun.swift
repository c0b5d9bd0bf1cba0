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
    /// The header of the run's decisions: rules, inputs and parameters.
    public var header: RunHeader?
    /// The paid ledger as read before the run.
    public var paidLedger: PaidLedger.Contents?
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
    /// The project's paid ledger, when it exists, closes the months it recorded: the run
    /// books corrections against them instead of changing them. `redact` replaces
    /// personal identifiers by pseudonyms. `keepTraces` false drops each decision's full
    /// trace once its record is rendered (the `tally run` command): outputs are the same,
    /// memory stays flat. `trace` is how much of each decision's explanation the records
    /// carry (recorded in the header).
    /// `loaded` is the project already loaded (`tally close` runs twice over one load).
    /// `asOfSource` overrides what the header says of the as-of, and `reproducing` lets
    /// the as-of fall inside closed months (`tally verify` re-runs at the header's instant
    /// and must write the same header, whatever was closed since). `comparison`, for a
    /// run that does not write, receives its decision records as they are chained
    /// instead of keeping them (`tally verify`). `records: false` (with `write: false`)
    /// makes no decision records, traces or other outputs at all: only `result`, whose
    /// decisions are the same at every trace level (`tally diff`, which compares two
    /// runs' decisions: on the reference kit's medium data it held both runs' traces and
    /// ledgers, 1.1 GB).
    public static func run(_ path: String, asOf asOfText: String? = nil, output: String? = nil, write: Bool = true,
                           program: String? = nil, redact: Bool = false, keepTraces: Bool = true, trace: TraceDetail = .full,
                           asOfSource: String? = nil, reproducing: Bool = false, loaded preloaded: ProjectLoad? = nil,
                           comparison: LedgerComparison? = nil, records: Bool = true) -> ProjectRun {
        let clock = StageClock()
        var run = ProjectRun(load: preloaded ?? ProjectLoad.load(path, program: program))
        clock.lap("load")
        defer { clock.lap("outputs") }
        guard let loaded = run.load.loaded, !run.load.diagnostics.hasErrors else { return run }
        let plan = loaded.plan
        run.plan = plan
        var asOf = loaded.ledgers.latestEvent ?? Timestamp(secondsSinceEpoch: 0)
        if let asOfText {
            guard let instant = ProjectRun.asOf(asOfText, clock: plan.clock) else {
                run.usageError = "`--as-of \(asOfText)` is not a date or timestamp (write 2026-05-31 or 2026-05-31T23:59:59Z)"
                return run
            }
            asOf = instant
        }
        switch loaded.paidLedger {
        case .success(let contents): run.paidLedger = contents
        case .failure(let problem):
            run.usageError = "\(relative(loaded.project.paid, to: loaded.project.folder))\(problem.line.map { ":\($0)" } ?? ""): the paid ledger cannot be trusted: \(problem.reason)"
            return run
        }
        var source = asOfText == nil ? "latest event" : "--as-of"
        if let through = run.paidLedger?.books?.through {
            // A closed month is final: a run must see at least what was paid.
            let closedEnd = plan.clock.lastInstant(of: through)
            if asOfText == nil {
                if asOf < closedEnd { source = "end of closed months" }
                asOf = max(asOf, closedEnd)
            } else if asOf < closedEnd, !reproducing {
                run.usageError = "the books are closed through \(through): a run as of \(Value.timestampText(asOf)) would see less than was paid; run as of \(through.lastDay) or later"
                return run
            }
        }
        var redactor: Redactor?
        var redactionKey: String?
        if redact {
            guard let key = loaded.project.redactionKey else {
                run.usageError = "--redact needs a key: add `redaction: { file: keys/redact.key }` (or `{ env: NAME }`) to tally.yaml"
                return run
            }
            switch key.secret() {
            case .success(let secret):
                redactor = Redactor(secret: secret, program: plan.name, identifiers: loaded.ledgers.personalIdentifiers)
                redactionKey = Digest.fingerprint(key: secret)
            case .failure(let why):
                run.usageError = "the redaction key cannot be read: \(why.words)"
                return run
            }
        }
        let header = RunHeader(program: plan.name, rules: loaded.rules, rulesVersion: plan.rulesVersion,
                               inputs: loaded.inputDigests, asOf: asOf, asOfSource: asOfSource ?? source,
                               redactionKey: redactionKey, tokenKeys: loaded.tokenKeys, traceDetail: trace)
        run.header = header
        clock.lap("inputs digest")
        // Records are rendered and chained on another core while the runner evaluates;
        // a run that writes its outputs streams them into the output folder.
        let folder = output ?? loaded.project.output
        run.outputFolder = folder
        if !records, !write {
            run.result = Runner.run(plan, ledgers: loaded.ledgers, asOf: asOf, closed: run.paidLedger?.books, sink: nil,
                                    keepTraces: false, traceDetail: .none)
            clock.lap("run")
            return run
        }
        var partial: FileHandle?
        if write {
            do {
                partial = try RunOutputs.openPartialDecisions(in: folder)
            } catch {
                run.usageError = "cannot write the outputs to `\(folder)`: \((error as? OutputProblem)?.words ?? error.localizedDescription)"
                return run
            }
        }
        // The renderer empties the traces it rendered and the runner fills them again.
        let recycler = TraceRecycler()
        let stream = DecisionLog.Stream(plan: plan, header: header, redactor: redactor, file: partial, comparison: write ? nil : comparison,
                                        recycler: recycler)
        let result = Runner.run(plan, ledgers: loaded.ledgers, asOf: asOf, closed: run.paidLedger?.books, sink: stream.receive,
                                recycler: recycler, keepTraces: keepTraces, traceDetail: trace)
        run.result = result
        clock.lap("run")
        let adjustments = result.adjustments
        var outputs = RunOutputs(plan: plan, ledgers: loaded.ledgers, result: result, header: header, finishing: {
            stream.finish(adjustments: adjustments)
        }, redactor: redactor)
        clock.lap("statements, rejects, summary and the rest of the decision records")
        if partial != nil { outputs.decisionsFile = RunOutputs.partialDecisions(in: folder) }
        outputs.keepsPrevious = redactor == nil
        run.outputs = outputs
        if write {
            do {
                try outputs.write(to: folder)
            } catch {
                // Nothing half-written stays behind.
                if let partial = outputs.decisionsFile { try? FileManager.default.removeItem(atPath: partial) }
                run.usageError = "cannot write the outputs to `\(folder)`: \((error as? OutputProblem)?.words ?? error.localizedDescription)"
            }
        }
        return run
    }

    /// Every input file with its digest: tally.yaml (which says how the ledgers are
    /// read), the ledgers in the order it lists them, then the paid ledger when there is one.
    static func inputDigests(_ project: ProjectFile) -> [(ledger: String, file: FileDigest)] {
        let files = [(ledger: "project", path: project.file.path)] + project.ledgers.map { (ledger: $0.kind.rawValue, path: $0.path) }
        return files.map { (ledger: $0.ledger, file: inputDigest(name: relative($0.path, to: project.folder), path: $0.path)) }
            + paidLedgerDigest(project)
    }

    /// An input's digest (see `Digest.input`): its SHA-256, or its tree's when it is
    /// larger than a leaf.
    static func inputDigest(name: String, path: String) -> FileDigest {
        let digest = Digest.input(path)
        return FileDigest(name: name, sha256: digest?.hex, method: digest?.method ?? .sha256)
    }

    /// The paid ledger with its digest, last among the inputs; none while it does not exist.
    static func paidLedgerDigest(_ project: ProjectFile) -> [(ledger: String, file: FileDigest)] {
        guard FileManager.default.fileExists(atPath: project.paid) else { return [] }
        return [(ledger: "paid", file: inputDigest(name: relative(project.paid, to: project.folder), path: project.paid))]
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

/// Stage timings on stderr when `TALLY_TIMING` is set, with the process's resident and
/// peak memory so far: for profiling only, never in outputs.
final class StageClock {
    private var last = DispatchTime.now().uptimeNanoseconds
    private let enabled = ProcessInfo.processInfo.environment["TALLY_TIMING"] != nil

    func lap(_ stage: String) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        FileHandle.standardError.write(Data("timing: \(stage) \(String(format: "%.3f", Double(now - last) / 1e9)) s\(ProcessMemory.summary)\n".utf8))
        last = now
    }
}
