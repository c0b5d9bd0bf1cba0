import Foundation
import TallyAudit
import TallyRun

/// `tally verify`: the hash chain of `decisions.jsonl` is intact from its header to its
/// end record, the rule files and ledgers at hand are the ones its header names, and
/// re-running the program with the header's parameters reproduces every record byte for
/// byte. Every finding is reported in words; exit 0 only when all holds.
///
/// The ledger is read a line at a time and the re-derived records are compared with it
/// as they are chained, so verifying takes about the memory and time of the run itself
/// (the reference kit's large ledger, 1.5 GB: 88 s and 8.7 GB when it was held whole,
/// three times over, beside its re-derivation). A broken chain is read again for every
/// line's link (its hash and `prev`), to say where and how it breaks.
public struct Verification {
    public var text: String
    public var exitCode: Int32

    public static func verify(project: String, output: String?) -> Verification {
        let load = ProjectLoad.load(project)
        if let problem = load.usageError { return Verification(text: "tally verify: \(problem)\n", exitCode: 2) }
        guard let loaded = load.loaded, !load.diagnostics.hasErrors else {
            return Verification(text: "tally verify: the project does not load; run `tally check`\n", exitCode: 1)
        }
        let folder = output ?? loaded.project.output
        let path = (folder as NSString).appendingPathComponent("decisions.jsonl")
        guard let scan = HashChain.scan(path: path) else {
            return Verification(text: "tally verify: no decisions at `\(path)`\n", exitCode: 2)
        }
        if !scan.intact, let links = HashChain.links(path: path), let broken = HashChain.firstBreak(links: links) {
            return Verification(text: "\(path):\(broken.line): the hash chain is broken: \(broken.reason)\n", exitCode: 1)
        }
        func object(_ line: [UInt8]?) -> [String: Any]? { Verification.object(line) as? [String: Any] }
        guard let header = object(scan.first), header["type"] as? String == "header" else {
            return Verification(text: "\(path):1: the first record is not the run's header: the file does not start where the run started\n", exitCode: 1)
        }
        guard let end = object(scan.last), end["type"] as? String == "end" else {
            return Verification(text: "\(path):\(scan.lines): the file ends without its end record: records were removed from the end\n", exitCode: 1)
        }
        if let count = end["records"] as? Int, count != scan.lines - 1 {
            return Verification(text: "\(path):\(scan.lines): the end record counts \(count) records before it, the file has \(scan.lines - 1)\n", exitCode: 1)
        }
        var findings: [String] = []
        // The other output files against the end record.
        for entry in end["outputs"] as? [[String: Any]] ?? [] {
            guard let name = entry["file"] as? String, let digest = entry["sha256"] as? String else { continue }
            let file = (folder as NSString).appendingPathComponent(name)
            if Digest.file(file) != digest {
                findings.append("\(file): changed after the run (its SHA-256 is not the one the end record of decisions.jsonl gives)")
            }
        }
        // The files and keys at hand against the header.
        let recordedRules = (header["rules"] as? [[String: Any]] ?? []).map { FileDigest(name: $0["file"] as? String ?? "", sha256: $0["sha256"] as? String) }
        findings += compare(recorded: recordedRules, now: loaded.rules, what: "rule file")
        let recordedInputs = (header["inputs"] as? [[String: Any]] ?? []).map { entry in
            let method: FileDigest.Method = entry[FileDigest.Method.sha256Tree.rawValue] is String ? .sha256Tree : .sha256
            return FileDigest(name: entry["file"] as? String ?? "", sha256: entry[method.rawValue] as? String, method: method)
        }
        findings += compare(recorded: recordedInputs, now: inputs(loaded, digestedAs: recordedInputs), what: "input")
        let parameters = header["parameters"] as? [String: Any] ?? [:]
        let recordedKeys = (parameters["token_keys"] as? [[String: Any]] ?? []).map { FileDigest(name: $0["id"] as? String ?? "", sha256: $0["fingerprint"] as? String) }
        findings += compare(recorded: recordedKeys, now: loaded.tokenKeys.map { FileDigest(name: $0.id, sha256: $0.fingerprint) }, what: "token key")
        // The re-run, with the header's parameters.
        let asOf = parameters["as_of"] as? String
        let redact = parameters["redact"] as? Bool ?? false
        // Headers written before `--trace` existed carry no level: they were full.
        guard let trace = TraceDetail(rawValue: parameters["trace"] as? String ?? "full") else {
            return Verification(text: "tally verify: the header's trace level `\(parameters["trace"] ?? "")` is unknown (full, decisive or none)\n", exitCode: 1)
        }
        guard let comparison = LedgerComparison(recorded: path) else {
            return Verification(text: "tally verify: no decisions at `\(path)`\n", exitCode: 2)
        }
        let run = ProjectRun.run(project, asOf: asOf, output: output, write: false, redact: redact, keepTraces: false, trace: trace,
                                 asOfSource: parameters["as_of_from"] as? String, reproducing: true, loaded: load, comparison: comparison)
        if let problem = run.usageError ?? run.load.usageError { return Verification(text: "tally verify: \(problem)\n", exitCode: 2) }
        guard run.outputs != nil else {
            return Verification(text: "tally verify: the project does not run; run `tally check`\n", exitCode: 1)
        }
        if redact, let recorded = parameters["redaction_key"] as? String, recorded != run.header?.redactionKey {
            findings.append("the redaction key changed since the run: pseudonyms cannot be re-derived")
        }
        if let problem = comparison.problem {
            return Verification(text: "tally verify: \(path): \(problem)\n", exitCode: 2)
        }
        if !comparison.identical {
            findings.append(firstDifference(comparison, path: path))
        }
        if findings.isEmpty {
            return Verification(text: "\(path): \(scan.lines) records, hash chain intact from header to end; rule files, ledgers and keys match the header; the other outputs match the end record; re-derived from the inputs: identical\n", exitCode: 0)
        }
        return Verification(text: findings.map { $0 + "\n" }.joined(), exitCode: 1)
    }

    /// The inputs at hand, each digested the way the header recorded it: a header written
    /// before inputs larger than a leaf were tree-hashed gives their plain SHA-256.
    static func inputs(_ loaded: LoadedProject, digestedAs recorded: [FileDigest]) -> [FileDigest] {
        loaded.inputDigests.map { input in
            var file = input.file
            guard let then = recorded.first(where: { $0.name == file.name }), then.method != file.method else { return file }
            let folder = loaded.project.folder
            let path = file.name.hasPrefix("/") || folder.isEmpty ? file.name : (folder as NSString).appendingPathComponent(file.name)
            file.sha256 = Digest.file(path, as: then.method)
            file.method = then.method
            return file
        }
    }

    /// Files whose digest differs from the recorded one, or that appeared or went away.
    static func compare(recorded: [FileDigest], now: [FileDigest], what: String) -> [String] {
        var findings: [String] = []
        for file in recorded {
            guard let current = now.first(where: { $0.name == file.name }) else {
                findings.append("\(what) `\(file.name)` was an input of the run and is no longer one")
                continue
            }
            if current.sha256 != file.sha256 {
                findings.append("\(what) `\(file.name)` changed since the run (\(file.method == .sha256Tree ? "SHA-256 tree" : "SHA-256") then \(short(file.sha256)), now \(short(current.sha256)))")
            }
        }
        for file in now where !recorded.contains(where: { $0.name == file.name }) {
            findings.append("\(what) `\(file.name)` is an input now but was not one of the run")
        }
        return findings
    }

    static func short(_ digest: String?) -> String { digest.map { String($0.prefix(12)) + "…" } ?? "missing" }

    /// The first record that differs, and the first field in it, in words. Records are
    /// compared without their chain members (which all differ after the first change),
    /// between the header (whose digests are reported file by file) and the end record.
    /// (`comparison`: the recorded ledger against its re-derivation, once every record
    /// was compared.)
    static func firstDifference(_ comparison: LedgerComparison, path: String) -> String {
        // Decisions and adjustments stand between the header and the end record (whose
        // digests of the other outputs change with the summary's rules version).
        let recordedCount = comparison.recordedCount, rederivedCount = comparison.rederivedCount
        guard let found = comparison.firstDifference, found.index < min(recordedCount, rederivedCount) - 1 else {
            if recordedCount != rederivedCount {
                return "\(path): re-deriving gives \(rederivedCount) records, the file has \(recordedCount)"
            }
            let field = difference(object(comparison.recordedHeader), object(comparison.rederivedHeader), at: "")
                .map { ": `\($0.0)` was \($0.1) when written, is \($0.2) now" } ?? ""
            return "\(path):1: every decision and adjustment re-derives identically; only the header (and the end record's digests of the other outputs) differ\(field)"
        }
        let index = found.index
        let before = object(found.recorded), after = object(found.rederived)
        let record = before as? [String: Any] ?? [:]
        let name = [record["type"] as? String, record["id"] as? String].compactMap { $0 }.joined(separator: " ")
        var words = "\(path):\(index + 1): re-deriving from the rules and ledgers at hand gives a different record"
        if !name.isEmpty { words += " for \(name)" }
        if let (field, was, now) = difference(before, after, at: "") {
            words += ": `\(field)` was \(was) when written, is \(now) now"
        }
        return words
    }

    /// A line's JSON value (read as text, any bad UTF-8 replaced), nil when it is none.
    static func object(_ line: [UInt8]?) -> Any? {
        line.flatMap { try? JSONSerialization.jsonObject(with: Data(String(decoding: $0, as: UTF8.self).utf8)) }
    }

    /// The first path (keys sorted) where two JSON values differ, with both values.
    static func difference(_ a: Any?, _ b: Any?, at path: String) -> (String, String, String)? {
        switch (a, b) {
        case (let x as [String: Any], let y as [String: Any]):
            for key in Set(x.keys).union(y.keys).sorted() where key != "hash" && key != "prev" {
                if let found = difference(x[key], y[key], at: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
            return nil
        case (let x as [Any], let y as [Any]):
            for index in 0..<max(x.count, y.count) {
                if let found = difference(index < x.count ? x[index] : nil, index < y.count ? y[index] : nil, at: "\(path)[\(index)]") { return found }
            }
            return nil
        default:
            let was = describe(a), now = describe(b)
            return was == now ? nil : (path, was, now)
        }
    }

    static func describe(_ value: Any?) -> String {
        guard let value else { return "absent" }
        if let text = value as? String { return "\"\(text)\"" }
        if value is NSNull { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}
