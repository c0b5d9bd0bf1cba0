import Foundation
import TallyAudit
import TallyPlan
import TallySource

/// `tally test`: every scenario's result, coverage of the programs they test, and the
/// text and exit code the CLI prints.
public struct RuleTestReport {
    public var results: [ScenarioResult] = []
    public var diagnostics: [Diagnostic] = []
    public var unreadable: [String] = []
    /// Per program: what exists and what the scenarios exercised.
    public var coverage: [ProgramCoverage] = []

    public struct ProgramCoverage {
        public var program: String
        public var rules: [String]
        public var checks: [String]
        public var limits: [String]
        public var exercised: Exercised

        public var missing: [String] {
            rules.filter { !exercised.rules.contains($0) }.map { "rule \($0)" }
                + checks.filter { !exercised.checks.contains($0) }.map { "check \"\($0)\"" }
                + limits.filter { !exercised.limits.contains($0) }.map { $0 }
        }
    }

    public var exitCode: Int32 {
        if !unreadable.isEmpty { return 2 }
        return diagnostics.hasErrors || results.contains { !$0.passed } || results.isEmpty ? 1 : 0
    }

    /// Runs the scenarios in the YAML files at `paths` (files or folders; default `rules/`).
    public static func run(_ paths: [String], filter: String? = nil, coverage wanted: Bool = false) -> RuleTestReport {
        var report = RuleTestReport()
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                report.unreadable.append(path)
                continue
            }
            if isDirectory.boolValue {
                let enumerator = FileManager.default.enumerator(atPath: path)
                var found: [String] = []
                while let entry = enumerator?.nextObject() as? String {
                    if entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") { found.append((path as NSString).appendingPathComponent(entry)) }
                }
                files += found.sorted()
            } else {
                files.append(path)
            }
        }
        var programs: [String] = []
        for file in files {
            let (scenarios, diagnostics) = Scenario.load(file)
            report.diagnostics += diagnostics
            for scenario in scenarios where filter.map({ scenario.name.localizedCaseInsensitiveContains($0) }) ?? true {
                let result = ScenarioRunner.run(scenario)
                report.results.append(result)
                if let program = result.program, !programs.contains(program) { programs.append(program) }
            }
        }
        if wanted {
            for program in programs {
                let check = CheckReport.check([program])
                guard let checked = check.programs.first else { continue }
                let plan = PlanCompiler.compile(checked, rulesVersion: "")
                var exercised = Exercised()
                for result in report.results where result.program == program { exercised.add(result.exercised) }
                var checks: [String] = []
                for check in plan.touchChecks + plan.orderChecks where !checks.contains(check.reason) { checks.append(check.reason) }
                report.coverage.append(ProgramCoverage(program: program, rules: plan.rules.map(\.id), checks: checks,
                                                       limits: plan.limits.map(\.text), exercised: exercised))
            }
        }
        return report
    }

    /// The report for people: ✓/✗ per scenario, what differed with the decision's story,
    /// coverage when asked, and a closing `N passed, M failed` line.
    public func text(relativeTo base: String = FileManager.default.currentDirectoryPath) -> String {
        func relative(_ path: String) -> String {
            let normal = ProgramFiles.normalise(path)
            return normal.hasPrefix(base + "/") ? String(normal.dropFirst(base.count + 1)) : path
        }
        var out = ""
        for result in results {
            if result.passed {
                out += "✓ \(result.scenario.name)\n"
                continue
            }
            out += "✗ \(result.scenario.name) (\(relative(result.scenario.file)))\n"
            for failure in result.failures { out += "    \(failure)\n" }
            for trace in result.traces {
                out += "    trace:\n" + trace.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n") + "\n"
            }
        }
        for entry in coverage {
            func count(_ all: [String], _ seen: Set<String>) -> String { "\(all.filter(seen.contains).count) of \(all.count)" }
            out += "coverage of \(relative(entry.program)): rules \(count(entry.rules, entry.exercised.rules)), "
                + "fraud checks \(count(entry.checks, entry.exercised.checks)), limits \(count(entry.limits, entry.exercised.limits))\n"
            let missing = entry.missing
            out += missing.isEmpty ? "  every rule, fraud check and limit is exercised\n" : "  never exercised: " + missing.joined(separator: "; ") + "\n"
        }
        if results.isEmpty, diagnostics.isEmpty { out += "no scenarios found\n" }
        let failed = results.filter { !$0.passed }.count
        out += "\(results.count - failed) passed, \(failed) failed\n"
        return out
    }
}
