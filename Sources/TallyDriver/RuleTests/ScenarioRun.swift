import Foundation
import TallyAudit
import TallyLedgers
import TallyPlan
import TallyRun
import TallySource
import TallyValues

/// The outcome of one scenario.
public struct ScenarioResult {
    public var scenario: Scenario
    /// What differed, one line each; empty when the scenario passed.
    public var failures: [String] = []
    /// Stories of the decisions that differed.
    public var traces: [String] = []
    /// What the run exercised, for coverage.
    public var exercised = Exercised()
    /// The program's root file, for coverage.
    public var program: String?
    public var passed: Bool { failures.isEmpty }
}

/// Rules, fraud checks and limits a run exercised.
public struct Exercised {
    public var rules = Set<String>()
    public var checks = Set<String>()
    public var limits = Set<String>()

    mutating func add(_ other: Exercised) {
        rules.formUnion(other.rules)
        checks.formUnion(other.checks)
        limits.formUnion(other.limits)
    }
}

/// Runs scenarios: writes inline ledgers as JSONL next to a generated tally.yaml, runs
/// the program, and compares what the scenario names.
public enum ScenarioRunner {
    /// The key scenario clicks are signed with: scenarios are test data, not a secret.
    static let key = "tally-scenario-signing-key-not-a-secret"

    /// An inline click whose `token` is a placeholder (any text but a `tly1.` token)
    /// stands for a signed link: the placeholder becomes a token for the click's
    /// referrer and campaign, signed with the scenario key. A `tly1.` token is kept as
    /// written, so scenarios can test forged, expired or unknown-key tokens too.
    static func signed(_ record: [String: String]) -> [String: String] {
        guard let token = record["token"], !token.isEmpty, !token.hasPrefix("tly1.") else { return record }
        var record = record
        let campaign = record["campaign"].flatMap { $0.isEmpty ? nil : $0 }
        record["token"] = TrackingToken(keyID: "scenario", referrer: record["referrer"] ?? "", campaign: campaign)
            .signed(with: Array(key.utf8))
        return record
    }

    public static func run(_ scenario: Scenario) -> ScenarioResult {
        var result = ScenarioResult(scenario: scenario)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            result.failures.append("cannot create a scratch folder: \(error.localizedDescription)")
            return result
        }
        guard let program = scenario.program ?? defaultProgram(for: scenario.file) else {
            result.failures.append("no program: set `program:` to the rule file this scenario tests")
            return result
        }
        result.program = ProgramFiles.normalise(program)
        var yaml = "program: \(quoted(ProgramFiles.normalise(program)))\noutput: out\nledgers:\n"
        for (index, entry) in scenario.ledgers.enumerated() {
            switch entry.source {
            case .records(let records):
                let name = "\(index)-\(entry.kind).jsonl"
                let lines = records.map { record in
                    let record = entry.kind == "clicks" ? ScenarioRunner.signed(record) : record
                    return JSON.object(record.keys.sorted().map { ($0, JSON.string(record[$0]!)) }).rendered()
                }
                try? (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
                yaml += "  \(entry.kind):\n    - path: \(name)\n      format: jsonl\n"
            case .file(let path, let settings, let columns):
                yaml += "  \(entry.kind):\n    - path: \(quoted(ProgramFiles.normalise(path)))\n"
                for (key, value) in settings { yaml += "      \(key): \(quoted(value))\n" }
                if !columns.isEmpty {
                    yaml += "      columns:\n" + columns.map { "        \(quoted($0.0)): \(quoted($0.1))\n" }.joined()
                }
            }
        }
        // Scenario clicks are signed with a key of their own (see `signed`).
        try? ScenarioRunner.key.write(to: folder.appendingPathComponent("scenario.key"), atomically: true, encoding: .utf8)
        yaml += "tokens:\n  keys:\n    - { id: scenario, file: scenario.key }\n"
        try? yaml.write(to: folder.appendingPathComponent("tally.yaml"), atomically: true, encoding: .utf8)
        let run = ProjectRun.run(folder.path, asOf: scenario.asOf, write: false)
        if let problem = run.usageError ?? run.load.usageError {
            result.failures.append(problem)
            return result
        }
        let errors = run.load.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty {
            result.failures += errors.map { "\($0.span.file.path.hasPrefix(folder.path) ? "ledgers" : $0.span.file.path):\($0.span.location): \($0.message)" }
            return result
        }
        guard let outcome = run.result, let plan = run.plan, let loaded = run.load.loaded else {
            result.failures.append("the scenario did not run")
            return result
        }
        result.exercised = exercised(outcome, plan: plan)
        compare(scenario.expect, outcome, plan: plan, ledgers: loaded.ledgers, into: &result)
        if !result.failures.isEmpty {
            var log = DecisionLog(plan: plan, header: nil)
            log.append(outcome)
            let records = log.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            let orders = Set(result.failures.compactMap { line -> String? in
                guard line.hasPrefix("decision ") else { return nil }
                return line.dropFirst("decision ".count).split(separator: "/").first.map(String.init)
            })
            for order in orders.sorted() {
                let mine = records.filter { ($0["order"] as? String) == order }
                if !mine.isEmpty { result.traces.append(Story.render(order: order, records: mine, all: false)) }
            }
        }
        return result
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The program in the folder above a scenario file (rules/tests/x.yaml -> rules/).
    static func defaultProgram(for file: String) -> String? {
        let parent = ((file as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let files = ProgramFiles.load([parent.isEmpty ? "." : parent])
        return files.programs.first { group in
            group.first?.declarations.contains { if case .program = $0 { return true }; return false } ?? false
        }?.first?.file.path
    }

    static func exercised(_ result: RunResult, plan: Plan) -> Exercised {
        var seen = Exercised()
        for decision in result.decisions {
            for rule in decision.trace.rules where rule.outcome == .paid || rule.outcome == .replaced { seen.rules.insert(rule.rule) }
            for check in decision.trace.fraud { seen.checks.insert(check.reason) }
            for touch in decision.trace.touches {
                if let why = touch.excluded, why.hasPrefix("rejected by fraud check \""),
                   let reason = why.dropFirst("rejected by fraud check \"".count).split(separator: "\"").first {
                    seen.checks.insert(String(reason))
                }
            }
            for adjustment in decision.trace.adjustments { seen.limits.insert(adjustment.rule) }
        }
        for reason in result.touchesRejected.keys where reason.hasPrefix("touch: ") { seen.checks.insert(String(reason.dropFirst(7))) }
        return seen
    }

    static func money(_ minor: Int64, _ plan: Plan) -> String { Value.moneyText(minor, digits: plan.currency.minorUnits) }

    /// Compares amounts as exact decimals (`5` and `5.00` agree).
    static func sameAmount(_ expected: String, _ actual: String) -> Bool {
        guard let a = ExactDecimal(expected.trimmingCharacters(in: .whitespaces)), let b = ExactDecimal(actual) else { return expected == actual }
        return ExactDecimal.compare(a, b) == 0
    }

    static func compare(_ expect: Scenario.Expectations, _ result: RunResult, plan: Plan, ledgers: Ledgers, into outcome: inout ScenarioResult) {
        for expected in expect.decisions {
            guard case .text(let order)? = expected["order"] else {
                outcome.failures.append("an expected decision has no `order`")
                continue
            }
            var candidates = result.decisions.filter { $0.order == order }
            if case .text(let referrer)? = expected["referrer"] { candidates = candidates.filter { $0.referrer == referrer } }
            let label = "decision \(order)/" + (expected["referrer"]?.description ?? "?")
            guard candidates.count == 1, let decision = candidates.first else {
                if candidates.isEmpty {
                    let why = result.unattributed.contains(order) ? "the order is unattributed"
                        : result.cancelled.contains(order) ? "the order is cancelled"
                        : result.decisions.contains { $0.order == order } ? "the order's decisions are for " + result.decisions.filter { $0.order == order }.map(\.referrer).joined(separator: ", ")
                        : "there is no such order (was its row rejected?)"
                    outcome.failures.append("\(label): expected a decision, there is none: \(why)")
                } else {
                    outcome.failures.append("\(label): the order has \(candidates.count) decisions; name the `referrer`")
                }
                continue
            }
            let actualLabel = "decision \(decision.id)"
            for (field, value) in expected.sorted(by: { $0.key < $1.key }) {
                switch field {
                case "order", "referrer": continue
                case "status":
                    if value.description != decision.status.rawValue {
                        outcome.failures.append("\(actualLabel): status expected \(value), got \(decision.status.rawValue)")
                    }
                case "amount":
                    if !sameAmount(value.description, money(decision.amount, plan)) {
                        outcome.failures.append("\(actualLabel): amount expected \(value), got \(money(decision.amount, plan))")
                    }
                case "rules":
                    let paid = decision.lines.map(\.rule)
                    let wanted: [String]
                    switch value {
                    case .list(let items): wanted = items
                    case .text(let item): wanted = item.isEmpty ? [] : [item]
                    }
                    if Set(paid) != Set(wanted) {
                        outcome.failures.append("\(actualLabel): rules expected [\(wanted.joined(separator: ", "))], got [\(paid.joined(separator: ", "))]")
                    }
                case "reason":
                    let reason = decision.reason ?? ""
                    if !reason.contains(value.description) {
                        outcome.failures.append("\(actualLabel): reason expected to contain \"\(value)\", got \"\(reason)\"")
                    }
                case "payable_on":
                    let date = decision.payableOn?.description ?? ""
                    if date != value.description { outcome.failures.append("\(actualLabel): payable_on expected \(value), got \(date.isEmpty ? "none" : date)") }
                case "evidence":
                    if decision.trace.evidence != value.description {
                        outcome.failures.append("\(actualLabel): evidence expected \(value), got \(decision.trace.evidence)")
                    }
                case "credit":
                    if !sameAmount(value.description, money(decision.trace.credit.net, plan)) {
                        outcome.failures.append("\(actualLabel): credit expected \(value), got \(money(decision.trace.credit.net, plan))")
                    }
                default:
                    outcome.failures.append("\(actualLabel): `\(field)` is not a decision field (status, amount, rules, reason, payable_on, evidence, credit)")
                }
            }
        }
        if let unattributed = expect.unattributed, unattributed.sorted() != result.unattributed.sorted() {
            outcome.failures.append("unattributed orders expected [\(unattributed.joined(separator: ", "))], got [\(result.unattributed.joined(separator: ", "))]")
        }
        for expected in expect.adjustments {
            let matching = result.adjustments.filter { record in
                (expected["order"].map { $0.description == record.order } ?? true)
                    && (expected["referrer"].map { $0.description == record.referrer } ?? true)
                    && (expected["kind"].map { $0.description == record.kind.rawValue } ?? true)
            }
            let label = "adjustment " + expected.keys.sorted().filter { $0 != "amount" }.map { "\($0) \(expected[$0]!)" }.joined(separator: ", ")
            guard let record = matching.first else {
                outcome.failures.append("\(label): expected, there is none (adjustments: " + result.adjustments.map { "\($0.kind.rawValue) \($0.order)/\($0.referrer) \(money($0.amount, plan))" }.joined(separator: "; ") + ")")
                continue
            }
            if let amount = expected["amount"], !sameAmount(amount.description, money(record.amount, plan)) {
                outcome.failures.append("\(label): amount expected \(amount), got \(money(record.amount, plan))")
            }
        }
        for (key, value) in expect.totals.sorted(by: { $0.key < $1.key }) {
            let actual: String
            switch key {
            case "decisions": actual = String(result.decisions.count)
            case "payable", "pending", "held", "rejected", "capped", "no_rule":
                actual = money(result.decisions.filter { $0.status.rawValue == key }.reduce(0) { $0 + $1.amount }, plan)
            case "paid": actual = money(result.decisions.reduce(0) { $0 + $1.amount }, plan)
            case "clawbacks": actual = money(result.adjustments.filter { $0.kind == .clawback }.reduce(0) { $0 + $1.amount }, plan)
            case "reductions": actual = money(result.adjustments.filter { $0.kind == .reduction }.reduce(0) { $0 + $1.amount }, plan)
            default:
                outcome.failures.append("`\(key)` is not a total (decisions, paid, payable, pending, held, rejected, capped, no_rule, clawbacks, reductions)")
                continue
            }
            if !sameAmount(value.description, actual) { outcome.failures.append("total \(key) expected \(value), got \(actual)") }
        }
        for expected in expect.rejects {
            let found = ledgers.rejects.contains { reject in
                (expected["reason"].map { reject.reason.contains($0.description) } ?? true)
                    && (expected["line"].map { $0.description == String(reject.line) } ?? true)
                    && (expected["column"].map { $0.description == reject.column } ?? true)
            }
            if !found {
                outcome.failures.append("reject \(expected.keys.sorted().map { "\($0) \(expected[$0]!)" }.joined(separator: ", ")): expected, rejects are: "
                    + ledgers.rejects.map { "\($0.line) \($0.reason)" }.joined(separator: "; "))
            }
        }
        if expect.rejects.isEmpty, !ledgers.rejects.isEmpty {
            outcome.failures.append("rows were rejected: " + ledgers.rejects.map { "\($0.file):\($0.line) \($0.reason)" }.joined(separator: "; "))
        }
    }
}
