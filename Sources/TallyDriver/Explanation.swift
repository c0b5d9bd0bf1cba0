import Foundation
import TallyAudit
import TallyCheck
import TallyLedgers
import TallyPlan
import TallySource

/// Why `explain` or `plan` could not answer, with its exit code.
public struct CommandProblem: Error {
    public var message: String
    public var exitCode: Int32
    public var diagnostics: [Diagnostic] = []
}

/// `tally explain` and `tally plan`.
public enum Explanation {
    /// The output folder of the project at `project`, or `./out`.
    public static func outputFolder(project: String) -> String {
        let file = (project as NSString).appendingPathComponent("tally.yaml")
        if let loaded = ProjectFile.load(file).0 { return loaded.output }
        return (project as NSString).appendingPathComponent("out")
    }

    /// The story of an order's decisions, from `decisions.jsonl` in `folder`.
    public static func explain(order: String, folder: String, all: Bool = false) -> Result<String, CommandProblem> {
        let path = (folder as NSString).appendingPathComponent("decisions.jsonl")
        guard let lines = LedgerLines(path: path) else {
            return .failure(CommandProblem(message: "no decisions at `\(path)`: run `tally run` first (or pass --out)", exitCode: 2))
        }
        // A record names its order as the member `"order":"ID"` (canonical JSON, see
        // README): only the header and the lines holding that member are read as JSON.
        // (Every line read as JSON, and each order id looked for in a list of those seen,
        // made explaining an order of the reference kit's large ledger take hours.)
        var member = Array("\"order\":".utf8)
        JSON.quote(order, into: &member)
        var records: [[String: Any]] = []
        var level = "full"
        // As text (any bad UTF-8 replaced), as the whole file was read before.
        func object(_ line: UnsafeBufferPointer<UInt8>) -> [String: Any]? {
            try? JSONSerialization.jsonObject(with: Data(String(decoding: line, as: UTF8.self).utf8)) as? [String: Any]
        }
        while let line = lines.next() {
            // The header starts the file with its `type` (one search a line, not two).
            guard line.starts(with: Explanation.headerType) || Explanation.contains(line, member), let object = object(line) else { continue }
            if object["type"] as? String == "header" {
                level = (object["parameters"] as? [String: Any])?["trace"] as? String ?? "full"
                continue
            }
            if object["order"] as? String == order { records.append(object) }
        }
        guard !records.isEmpty else {
            let help = Suggestion.didYouMean(order, among: orderIDs(in: path)).map { " (\($0))" } ?? ""
            return .failure(CommandProblem(message: "order `\(order)` has no decision in \(path)\(help): it may be cancelled, unattributed (see summary.json) or rejected as a row (see rejects.csv)", exitCode: 1))
        }
        // A run written with less than the full trace says so, and how to get it.
        let note: String
        switch level {
        case "none":
            note = "This run was written with `--trace none`: the records hold the decisions without their explanation. For the touches, rules and arithmetic, run again with `tally run --trace full` (the default).\n\n"
        case "decisive":
            note = "This run was written with `--trace decisive`: touches that lost and rules that did not match are left out. For them, run again with `tally run --trace full` (the default).\n\n"
        default:
            note = ""
        }
        return .success(note + Story.render(order: order, records: records, all: all))
    }

    /// How a run's header begins, as records write it.
    static let headerType = Array("{\"type\":\"header\"".utf8)

    /// Whether `line` holds the bytes of `part`.
    static func contains(_ line: UnsafeBufferPointer<UInt8>, _ part: [UInt8]) -> Bool { offset(of: part, in: line) != nil }

    /// Where the bytes of `part` (not empty) first stand in `line`: each place holding
    /// its first byte (found by `memchr`) is compared whole.
    static func offset(of part: [UInt8], in line: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = line.baseAddress, let first = part.first, line.count >= part.count else { return nil }
        var start = 0
        while start + part.count <= line.count,
              let found = memchr(base + start, Int32(first), line.count - part.count + 1 - start) {
            let offset = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            if part.withUnsafeBytes({ memcmp(base + offset, $0.baseAddress!, part.count) }) == 0 { return offset }
            start = offset + 1
        }
        return nil
    }

    /// Every order a ledger's records name (and "" for a record that names none), for
    /// suggesting one when the order asked for has no decision: read from the bytes of
    /// `"order":"…"`, or as JSON when the id is written with escapes.
    static func orderIDs(in path: String) -> [String] {
        guard let lines = LedgerLines(path: path) else { return [] }
        var ids = Set<String>()
        let member = Array("\"order\":\"".utf8)
        while let line = lines.next() {
            guard let found = offset(of: member, in: line) else {
                ids.insert("")
                continue
            }
            let start = found + member.count
            guard let end = (start..<line.count).first(where: { line[$0] == 34 || line[$0] == 92 }) else { continue }
            if line[end] == 34 {
                ids.insert(String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]), as: UTF8.self))
            } else if let object = try? JSONSerialization.jsonObject(with: Data(String(decoding: line, as: UTF8.self).utf8)) as? [String: Any] {
                ids.insert(object["order"] as? String ?? "")
            }
        }
        return Array(ids)
    }

    /// The compiled plan of a project folder, or of rule files.
    public static func plan(_ path: String) -> Result<String, CommandProblem> {
        let yaml = path.hasSuffix(".yaml") ? path : (path as NSString).appendingPathComponent("tally.yaml")
        if FileManager.default.fileExists(atPath: yaml) {
            let load = ProjectLoad.load(path)
            if let problem = load.usageError { return .failure(CommandProblem(message: problem, exitCode: 2)) }
            guard let loaded = load.loaded, !load.diagnostics.hasErrors else {
                return .failure(CommandProblem(message: "", exitCode: 1, diagnostics: load.diagnostics))
            }
            return .success(PlanPrinter.render(loaded.plan))
        }
        let report = CheckReport.check([path])
        if !report.unreadable.isEmpty { return .failure(CommandProblem(message: "cannot read `\(path)`", exitCode: 2)) }
        guard let program = report.programs.first, !report.diagnostics.hasErrors else {
            return .failure(CommandProblem(message: "", exitCode: 1, diagnostics: report.diagnostics))
        }
        return .success(PlanPrinter.render(ProjectLoad.plan(program)))
    }
}

/// Renders decision records as a story a partner-support agent can read aloud.
enum Story {
    static func text(_ value: Any?) -> String { value as? String ?? "" }

    /// Rules that never concerned this referrer: another partner kind, or outside their dates.
    static func isBackground(_ rule: [String: Any]) -> Bool {
        let outcome = text(rule["outcome"])
        return outcome == "not effective" || (outcome == "not matched" && text(rule["failed"]).hasPrefix("referrer.kind "))
    }

    static func render(order: String, records: [[String: Any]], all: Bool) -> String {
        let decisions = records.filter { text($0["type"]) == "decision" }
        let adjustments = records.filter { text($0["type"]) != "decision" }
        var out = ""
        if let first = decisions.first, let trace = first["trace"] as? [String: Any] {
            let facts = trace["order"] as? [String: Any] ?? [:]
            let channel = text(facts["channel"]).isEmpty ? "" : "\(text(facts["channel"])), "
            out += "Order \(order): \(text(facts["date"])) (\(text(facts["at"]))), \(channel)customer \(text(facts["customer"]))"
            out += (facts["new_customer"] as? Bool ?? false) ? " (new customer)\n" : "\n"
            out += "  net \(text(facts["net"])) \(text(facts["currency"]))"
            if let rate = facts["fx_rate"] as? String {
                out += " × \(rate) = \(text(facts["net_converted"])) \(text(facts["converted_to"]))"
            }
            out += "\n\nTouches\n"
            for touch in trace["touches"] as? [[String: Any]] ?? [] {
                let kept = touch["kept"] as? Bool ?? false
                let id = text(touch["id"]).isEmpty ? "(no id)" : text(touch["id"])
                out += "  \(kept ? "✓" : "✗") \(text(touch["evidence"])) \(id) → \(text(touch["referrer"])) at \(text(touch["at"]))"
                if let code = touch["code"] as? String { out += " code \(code)" }
                if let answer = touch["answer"] as? String { out += " \"\(answer)\"" }
                if let why = touch["excluded"] as? String { out += "\n      excluded: \(why)" }
                out += "\n"
            }
            out += "\nEvidence \(text(trace["evidence"])), model \(text(trace["model"]))\n"
            let weights = trace["weights"] as? [String: Any] ?? [:]
            out += "Credit: " + decisions.map { "\(text($0["referrer"])) weight \(text(weights[text($0["referrer"])]))" }.joined(separator: ", ") + "\n"
        } else {
            out += "Order \(order)\n"
        }
        for decision in decisions {
            let referrer = text(decision["referrer"])
            let trace = decision["trace"] as? [String: Any] ?? [:]
            let credit = trace["credit"] as? [String: Any] ?? [:]
            out += "\n── \(referrer): \(text(decision["status"])) \(text(decision["amount"])) \(text(decision["currency"]))"
            if let payable = decision["payable_on"] as? String { out += ", payable on \(payable)" }
            out += "\n   \(text(decision["outcome"]))\n"
            if !credit.isEmpty { out += "   credit \(text(credit["share"])): \(text(credit["arithmetic"]))\n" }
            for check in trace["fraud"] as? [[String: Any]] ?? [] {
                let saw = (check["saw"] as? [String: Any] ?? [:]).keys.sorted().map { "\($0) = \(text((check["saw"] as? [String: Any])?[$0]))" }
                out += "   ⚑ \(text(check["action"])) \(text(check["subject"])) \"\(text(check["check"]))\" [\(text(check["at"]))]: \(text(check["condition"]))"
                out += saw.isEmpty ? "\n" : "; saw " + saw.joined(separator: ", ") + "\n"
            }
            if let resolution = trace["resolution"] as? String { out += "   ✔ \(resolution)\n" }
            let rules = trace["rules"] as? [[String: Any]] ?? []
            for rule in rules where all || !isBackground(rule) {
                let name = "\(text(rule["rule"])) \"\(text(rule["title"]))\""
                switch text(rule["outcome"]) {
                case "paid":
                    out += "   ✓ \(name): \(text(rule["amount"]))\n"
                    for line in rule["arithmetic"] as? [String] ?? [] { out += "       \(line)\n" }
                case "replaced":
                    out += "   ↷ \(name): matched, replaced by \(text(rule["replaced_by"]))\n"
                default:
                    out += "   ✗ \(name): \(text(rule["outcome"])): \(text(rule["failed"]))"
                    if let label = rule["because"] as? String { out += " (because \"\(label)\")" }
                    let saw = rule["saw"] as? [String: Any] ?? [:]
                    if !saw.isEmpty { out += "; saw " + saw.keys.sorted().map { "\($0) = \(text(saw[$0]))" }.joined(separator: ", ") }
                    out += "\n"
                }
            }
            let hidden = all ? 0 : rules.filter(isBackground).count
            if hidden > 0 {
                out += "   · \(hidden) other rule\(hidden == 1 ? "" : "s") did not apply (another partner kind, or outside \(hidden == 1 ? "its" : "their") dates); --all lists \(hidden == 1 ? "it" : "them")\n"
            }
            for adjustment in trace["adjustments"] as? [[String: Any]] ?? [] {
                out += "   ↘ \(text(adjustment["kind"])) by \(text(adjustment["rule"])): \(text(adjustment["before"])) → \(text(adjustment["after"])) (\(text(adjustment["note"])))\n"
            }
            for record in adjustments where text(record["decision"]) == text(decision["id"]) {
                out += "   ↘ \(text(record["type"])) \(text(record["amount"])) in \(text(record["month"])): \(text(record["reason"]))\n"
                out += "       \(text(record["arithmetic"]))\n"
            }
            out += "   = \(text(decision["amount"])) \(text(decision["currency"])) \(text(decision["status"]))"
            let net = adjustments.filter { text($0["decision"]) == text(decision["id"]) }
            if !net.isEmpty { out += ", before the \(net.count) adjustment\(net.count == 1 ? "" : "s") above" }
            out += "\n"
        }
        return out
    }
}
