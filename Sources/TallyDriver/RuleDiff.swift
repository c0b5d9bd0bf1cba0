import Foundation
import TallyPlan
import TallyRun
import TallySource
import TallyValues

/// `tally diff`: the same ledgers under two versions of the rules, and what changes.
public struct RuleDiff {
    public struct Change {
        public var id: String
        public var before: Decision?
        public var after: Decision?
    }

    public var baseLabel: String
    public var newLabel: String
    public var before: RunResult
    public var after: RunResult
    public var plan: Plan
    /// Referrer -> (before, after) totals, decisions plus adjustments.
    public var byReferrer: [(referrer: String, before: Int64, after: Int64)]
    public var changes: [Change]

    /// A problem running either side, in words, with diagnostics.
    public struct Failure: Error {
        public var message: String
        public var diagnostics: [Diagnostic] = []
        public var exitCode: Int32
    }

    /// Runs the project's ledgers with the `base` rules (a file, a folder, or a git
    /// revision such as HEAD~1) and with `rules` (default: the project's program).
    public static func diff(project: String, base: String, rules: String?, asOf: String? = nil) -> Result<RuleDiff, Failure> {
        // Decisions only: no records, traces or other outputs are made (see `ProjectRun.run`).
        // Only the result is kept of each run, not its ledgers: the two loads are not held
        // at once.
        let after: RunResult, plan: Plan, newProgram: String
        do {
            let current = ProjectRun.run(project, asOf: asOf, write: false, program: rules.map(rootProgram), records: false)
            if let problem = current.usageError ?? current.load.usageError { return .failure(Failure(message: problem, exitCode: 2)) }
            guard let result = current.result, let currentPlan = current.plan, let program = current.load.loaded?.program.files.first?.path else {
                return .failure(Failure(message: "the new rules do not run", diagnostics: current.load.diagnostics, exitCode: 1))
            }
            (after, plan, newProgram) = (result, currentPlan, program)
        }
        var cleanup: String?
        defer { if let cleanup { try? FileManager.default.removeItem(atPath: cleanup) } }
        let baseProgram: String
        if FileManager.default.fileExists(atPath: base) {
            baseProgram = rootProgram(base, like: newProgram)
        } else {
            switch checkout(revision: base, program: newProgram) {
            case .success(let (folder, program)):
                cleanup = folder
                baseProgram = program
            case .failure(let failure): return .failure(failure)
            }
        }
        let previous = ProjectRun.run(project, asOf: asOf ?? Value.timestampText(after.asOf), write: false, program: baseProgram, records: false)
        guard let before = previous.result else {
            return .failure(Failure(message: "the base rules (\(base)) do not run", diagnostics: previous.load.diagnostics, exitCode: 1))
        }
        var totals: [String: (Int64, Int64)] = [:]
        for decision in before.decisions { totals[decision.referrer, default: (0, 0)].0 += decision.amount }
        for record in before.adjustments { totals[record.referrer, default: (0, 0)].0 += record.amount }
        for decision in after.decisions { totals[decision.referrer, default: (0, 0)].1 += decision.amount }
        for record in after.adjustments { totals[record.referrer, default: (0, 0)].1 += record.amount }
        var byReferrer: [(referrer: String, before: Int64, after: Int64)] = []
        for (referrer, sums) in totals where sums.0 != sums.1 { byReferrer.append((referrer, sums.0, sums.1)) }
        byReferrer.sort { a, b in
            let x = abs(a.after - a.before), y = abs(b.after - b.before)
            return x != y ? x > y : a.referrer < b.referrer
        }
        let old = Dictionary(before.decisions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(after.decisions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var ids = before.decisions.map(\.id)
        for id in after.decisions.map(\.id) where old[id] == nil { ids.append(id) }
        let changes = ids.compactMap { id -> Change? in
            let a = old[id], b = new[id]
            if let a, let b, a.amount == b.amount, a.status == b.status, a.lines == b.lines { return nil }
            return Change(id: id, before: a, after: b)
        }
        return .success(RuleDiff(baseLabel: base, newLabel: rules ?? "the project's rules", before: before, after: after, plan: plan,
                                 byReferrer: byReferrer, changes: changes))
    }

    /// The root rule file in a folder (the one with a `program` line; the same file name
    /// as the other side's when there are several), or the file itself.
    static func rootProgram(_ path: String) -> String { rootProgram(path, like: nil) }

    static func rootProgram(_ path: String, like other: String?) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return path }
        let files = ProgramFiles.load([path])
        let roots = files.programs.compactMap { group -> String? in
            guard group.first?.declarations.contains(where: { if case .program = $0 { return true }; return false }) == true else { return nil }
            return group.first?.file.path
        }
        if let other, let same = roots.first(where: { ($0 as NSString).lastPathComponent == (other as NSString).lastPathComponent }) { return same }
        return roots.first ?? path
    }

    /// Exports the folder of `program` at a git revision into a temporary folder.
    static func checkout(revision: String, program: String) -> Result<(String, String), Failure> {
        let absolute = ProgramFiles.normalise(program)
        let directory = (absolute as NSString).deletingLastPathComponent
        guard let top = git(["-C", directory, "rev-parse", "--show-toplevel"])?.trimmingCharacters(in: .whitespacesAndNewlines), !top.isEmpty else {
            return .failure(Failure(message: "`\(revision)` is not a file or folder, and the rules are not in a git repository", exitCode: 2))
        }
        let relative = directory == top ? "." : String(directory.dropFirst(top.count + 1))
        guard git(["-C", top, "rev-parse", "--verify", "--quiet", revision + "^{commit}"]) != nil else {
            return .failure(Failure(message: "`\(revision)` is neither a path nor a git revision", exitCode: 2))
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-base-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let archive = folder + "/base.tar"
        guard git(["-C", top, "archive", "--format=tar", "-o", archive, revision, "--", relative]) != nil,
              run("/usr/bin/env", ["tar", "-xf", archive, "-C", folder]) != nil else {
            return .failure(Failure(message: "cannot read `\(relative)` at revision `\(revision)`", exitCode: 2))
        }
        let base = (folder as NSString).appendingPathComponent(relative == "." ? (absolute as NSString).lastPathComponent
            : (relative as NSString).appendingPathComponent((absolute as NSString).lastPathComponent))
        guard FileManager.default.fileExists(atPath: base) else {
            return .failure(Failure(message: "`\((absolute as NSString).lastPathComponent)` does not exist at revision `\(revision)`", exitCode: 2))
        }
        return .success((folder, base))
    }

    static func git(_ arguments: [String]) -> String? { run("/usr/bin/env", ["git"] + arguments) }

    /// Runs a program; its stdout, or nil when it failed.
    static func run(_ executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    func money(_ minor: Int64) -> String { Value.moneyText(minor, digits: plan.currency.minorUnits) }

    func total(_ result: RunResult) -> Int64 {
        result.decisions.reduce(0) { $0 + $1.amount } + result.adjustments.reduce(0) { $0 + $1.amount }
    }

    /// Status changes as `before → after: count`, sorted.
    var statusChanges: [(String, Int)] {
        var counts: [String: Int] = [:]
        for change in changes {
            let a = change.before?.status.rawValue ?? "(none)", b = change.after?.status.rawValue ?? "(none)"
            if a != b { counts["\(a) → \(b)", default: 0] += 1 }
        }
        return counts.keys.sorted().map { ($0, counts[$0]!) }
    }

    /// The report for people.
    public func text(sample: Int = 10) -> String {
        let code = plan.currency.code
        var out = "payout \(money(total(before))) \(code) with \(baseLabel), \(money(total(after))) \(code) with \(newLabel): "
        let delta = total(after) - total(before)
        out += delta == 0 ? "no change\n" : "\(delta > 0 ? "+" : "")\(money(delta)) \(code)\n"
        out += "decisions changed: \(changes.count) of \(max(before.decisions.count, after.decisions.count))\n"
        for (change, count) in statusChanges { out += "  status \(change): \(count)\n" }
        if !byReferrer.isEmpty {
            out += "by referrer (largest change first):\n"
            let width = byReferrer.map(\.referrer.count).max() ?? 0
            for entry in byReferrer {
                let change = entry.after - entry.before
                out += "  " + entry.referrer.padding(toLength: width, withPad: " ", startingAt: 0)
                    + "  \(money(entry.before)) → \(money(entry.after))  (\(change > 0 ? "+" : "")\(money(change)))\n"
            }
        }
        if !changes.isEmpty {
            out += "changed decisions (\(min(sample, changes.count)) of \(changes.count)):\n"
            for change in changes.prefix(sample) {
                func side(_ decision: Decision?) -> String {
                    guard let decision else { return "no decision" }
                    return "\(decision.status.rawValue) \(money(decision.amount)) by [" + decision.lines.map(\.rule).joined(separator: ", ") + "]"
                }
                out += "  \(change.id): \(side(change.before)) → \(side(change.after))\n"
            }
        }
        return out
    }

    /// The report for machines.
    public var json: JSON {
        func side(_ decision: Decision?) -> JSON {
            guard let decision else { return .null }
            return .object([("status", .string(decision.status.rawValue)), ("amount", .string(money(decision.amount))),
                            ("rules", .array(decision.lines.map { .string($0.rule) }))])
        }
        return .object([
            ("currency", .string(plan.currency.code)),
            ("base", .string(baseLabel)),
            ("total_before", .string(money(total(before)))),
            ("total_after", .string(money(total(after)))),
            ("decisions_changed", .int(Int64(changes.count))),
            ("status_changes", .object(statusChanges.map { ($0.0, .int(Int64($0.1))) })),
            ("by_referrer", .array(byReferrer.map { .object([("referrer", .string($0.referrer)), ("before", .string(money($0.before))),
                                                              ("after", .string(money($0.after))), ("delta", .string(money($0.after - $0.before)))]) })),
            ("changes", .array(changes.map { .object([("id", .string($0.id)), ("before", side($0.before)), ("after", side($0.after))]) })),
        ])
    }
}
