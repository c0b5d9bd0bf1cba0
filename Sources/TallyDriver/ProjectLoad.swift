import Foundation
import TallyAudit
import TallyCheck
import TallyLedgers
import TallyPlan
import TallySource
import TallyValues

/// A project ready to run: its file, its checked program and its loaded ledgers.
public struct LoadedProject {
    public var project: ProjectFile
    public var program: CheckedProgram
    /// The program compiled, with the rules version of its files.
    public var plan: Plan
    /// Each rule file by name with its SHA-256 (the rules version is their manifest).
    public var rules: [FileDigest]
    public var ledgers: Ledgers
    /// The token keys clicks were checked with: id and fingerprint, in tally.yaml's order.
    public var tokenKeys: [(id: String, fingerprint: String)] = []
    /// The digests of the input files, computed beside the loading.
    var inputs: InputDigests
    /// The paid ledger, read when first asked for.
    var paid: PaidLedgerRead

    /// Every input file with its digest (see `ProjectRun.inputDigests`).
    public var inputDigests: [(ledger: String, file: FileDigest)] { inputs.value }

    /// The paid ledger's contents, or why it cannot be trusted (see `PaidLedger.read`).
    public var paidLedger: Result<PaidLedger.Contents, PaidLedger.Problem> { paid.value }
}

/// The input files' digests, hashed on a thread of their own while the ledgers load:
/// the load's critical path is the clicks file, and the other core has room (1.6 s of
/// hashing on the reference kit's large data no longer adds to the run).
final class InputDigests: @unchecked Sendable {
    private var digests: [(ledger: String, file: FileDigest)] = []
    private let done = DispatchGroup()

    init(_ project: ProjectFile) {
        done.enter()
        DispatchQueue.global().async {
            self.digests = ProjectRun.inputDigests(project)
            self.done.leave()
        }
    }

    /// The digests of `earlier` with the paid ledger's hashed again (added when it is new):
    /// the other inputs keep the digests of what was loaded.
    init(_ earlier: InputDigests, paidLedgerOf project: ProjectFile) {
        done.enter()
        DispatchQueue.global().async {
            self.digests = earlier.value.filter { $0.ledger != "paid" } + ProjectRun.paidLedgerDigest(project)
            self.done.leave()
        }
    }

    /// The digests, once hashed (waits for them).
    var value: [(ledger: String, file: FileDigest)] {
        done.wait()
        return digests
    }
}

/// The paid ledger, read and checked once when first asked for, then kept: `tally close`
/// checks it before its run, and the run reads it again (after a quarter of the reference
/// kit's large data was closed, a 134 MB ledger, each read took 3.5 s). (Read on a thread
/// of its own while the ledgers load, it took as long again from their loading, which
/// keeps both cores busy, and held its contents beside the loading's peak.)
final class PaidLedgerRead: @unchecked Sendable {
    private let path: String, currency: String, digits: Int
    private var result: Result<PaidLedger.Contents, PaidLedger.Problem>?
    private let lock = NSLock()

    init(_ project: ProjectFile, plan: Plan) {
        path = project.paid
        currency = plan.currency.code
        digits = plan.currency.minorUnits
    }

    /// The ledger's contents, read the first time.
    var value: Result<PaidLedger.Contents, PaidLedger.Problem> {
        lock.lock()
        defer { lock.unlock() }
        if let result { return result }
        let read = PaidLedger.read(path, currency: currency, digits: digits)
        result = read
        return read
    }
}

/// The outcome of loading a project: what loaded, every diagnostic, and the exit code.
public struct ProjectLoad {
    public var loaded: LoadedProject?
    public var diagnostics: [Diagnostic]
    /// A problem reaching the project at all (exit code 2), in words.
    public var usageError: String?

    public var exitCode: Int32 {
        if usageError != nil { return 2 }
        if diagnostics.hasErrors || loaded == nil { return 1 }
        return 0
    }

    /// Finds `tally.yaml` (in `path`, or `path` itself), checks the program it names and
    /// loads its ledgers.
    /// `program` replaces the rule file the project names (for `tally diff`).
    public static func load(_ path: String, program override: String? = nil) -> ProjectLoad {
        let (found, problem) = projectFile(path)
        guard let file = found else { return ProjectLoad(loaded: nil, diagnostics: [], usageError: problem) }
        let (loadedProject, projectDiagnostics) = ProjectFile.load(file)
        guard var project = loadedProject else {
            if projectDiagnostics.isEmpty {
                return ProjectLoad(loaded: nil, diagnostics: [], usageError: "cannot read `\(file)`")
            }
            return ProjectLoad(loaded: nil, diagnostics: projectDiagnostics, usageError: nil)
        }
        if let override { project.program = override }
        let report = CheckReport.check([project.program])
        var diagnostics = projectDiagnostics + report.diagnostics
        guard let program = report.programs.first(where: { ProgramFiles.normalise($0.files[0].path) == ProgramFiles.normalise(project.program) })
                ?? report.programs.first else {
            return ProjectLoad(loaded: nil, diagnostics: diagnostics, usageError: report.unreadable.isEmpty ? nil : "cannot read `\(project.program)`")
        }
        guard let clock = ProgramClock(identifier: program.timezone) else {
            return ProjectLoad(loaded: nil, diagnostics: diagnostics, usageError: "unknown time zone \(program.timezone)")
        }
        // Compiled before loading: only the click fields the plan reads are kept.
        let rules = ruleDigests(program)
        let plan = PlanCompiler.compile(program, rulesVersion: Digest.manifest(rules))
        var tokenKeys: [String: [UInt8]]?
        var fingerprints: [(id: String, fingerprint: String)] = []
        if !project.tokenKeys.isEmpty {
            var keys: [String: [UInt8]] = [:]
            for key in project.tokenKeys {
                switch key.secret() {
                case .success(let secret):
                    keys[key.id] = secret
                    fingerprints.append((key.id, Digest.fingerprint(key: secret)))
                case .failure(let why):
                    diagnostics.append(.error("project.key", "the token key `\(key.id)` cannot be read: \(why.words)", at: key.span,
                                              help: "keys live in a file or an environment variable, never in tally.yaml or on the command line"))
                }
            }
            tokenKeys = keys
        }
        let settings = LoadSettings(currency: program.currency, clock: clock,
                                    referrerExtras: program.schema.referrerExtras.map { ($0.name, $0.type.description) },
                                    clickFields: plan.clickFieldsRead, tokenKeys: tokenKeys)
        let inputs = InputDigests(project)
        let paid = PaidLedgerRead(project, plan: plan)
        let ledgers = LedgerLoader.load(project, settings: settings)
        diagnostics += ledgers.fileProblems
        return ProjectLoad(loaded: LoadedProject(project: project, program: program, plan: plan, rules: rules, ledgers: ledgers, tokenKeys: fingerprints,
                                                 inputs: inputs, paid: paid),
                           diagnostics: diagnostics, usageError: nil)
    }

    /// The project file of `path` (its tally.yaml when it is a folder, else itself), or
    /// why there is none.
    static func projectFile(_ path: String) -> (file: String?, problem: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return (nil, "`\(path)` does not exist") }
        let file = isDirectory.boolValue ? (path as NSString).appendingPathComponent("tally.yaml") : path
        guard FileManager.default.fileExists(atPath: file) else {
            return (nil, "`\(path)` has no tally.yaml: a project folder names its program and ledgers there (see docs/ledgers.md)")
        }
        return (file, "")
    }

    /// The same load with the paid ledger read and hashed again (after `tally close`
    /// appended to it). The other inputs keep the digests of what was loaded: hashing
    /// every input again took 1.3 s on the reference kit's large data, and described the
    /// files as they stood after the close, not as they were read for the run.
    func withFreshPaidLedger() -> ProjectLoad {
        var load = self
        if let loaded {
            load.loaded?.inputs = InputDigests(loaded.inputs, paidLedgerOf: loaded.project)
            load.loaded?.paid = PaidLedgerRead(loaded.project, plan: loaded.plan)
        }
        return load
    }

    /// A checked program's plan, versioned by the digest of its rule files.
    public static func plan(_ program: CheckedProgram) -> Plan {
        PlanCompiler.compile(program, rulesVersion: Digest.manifest(ruleDigests(program)))
    }

    /// Each rule file of a program by file name, with its SHA-256.
    public static func ruleDigests(_ program: CheckedProgram) -> [FileDigest] {
        Digest.files(program.files.map { (name: ($0.path as NSString).lastPathComponent, path: $0.path) })
    }
}
