import Foundation
import TallySource
import Yams

/// A rule test scenario (YAML, kept beside the rules, e.g. `rules/tests/*.yaml`): ledgers
/// inline or by path, and expectations that name only the fields they care about.
public struct Scenario {
    public var name: String
    public var file: String
    /// The root rule file (resolved); nil means the program in the folder above the scenario's.
    public var program: String?
    public var asOf: String?
    /// Ledger kind -> inline records (field -> text) or a path entry.
    public var ledgers: [(kind: String, source: LedgerInput)]
    public var expect: Expectations

    public enum LedgerInput {
        case records([[String: String]])
        /// A file, with the YAML of its entry as written (path resolved).
        case file(path: String, settings: [(String, String)], columns: [(String, String)])
    }

    /// What the scenario expects; every part is optional.
    public struct Expectations {
        public var decisions: [[String: ExpectedValue]] = []
        public var unattributed: [String]?
        public var adjustments: [[String: ExpectedValue]] = []
        public var totals: [String: ExpectedValue] = [:]
        public var rejects: [[String: ExpectedValue]] = []
    }

    /// An expected value: text, or a list of texts (`rules: [base, tents]`).
    public enum ExpectedValue: Equatable, CustomStringConvertible {
        case text(String)
        case list([String])

        public var description: String {
            switch self {
            case .text(let text): return text
            case .list(let items): return "[" + items.joined(separator: ", ") + "]"
            }
        }
    }

    /// Reads every scenario of a YAML file (one document, or a list under `scenarios:`).
    public static func load(_ path: String) -> ([Scenario], [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], []) }
        let source = SourceFile(path: path, contents: [UInt8](data))
        var reader = ScenarioReader(source: source)
        let scenarios = reader.read()
        return (scenarios, reader.diagnostics)
    }
}

/// Turns a composed YAML tree into scenarios, reporting mistakes with line and column.
struct ScenarioReader {
    let source: SourceFile
    var diagnostics: [Diagnostic] = []

    func span(_ node: Node?) -> Span {
        guard let mark = node?.mark else { return Span(file: source, start: 0, end: 0) }
        let start = source.offset(ofLine: mark.line) + String(source.lineText(mark.line).unicodeScalars.prefix(max(0, mark.column - 1)).map(Character.init)).utf8.count
        return Span(file: source, start: start, end: start + 1)
    }

    mutating func error(_ message: String, _ node: Node?, help: String? = nil) {
        diagnostics.append(.error("test.scenario", message, at: span(node), help: help))
    }

    var folder: String { (source.path as NSString).deletingLastPathComponent }

    func resolve(_ path: String) -> String {
        path.hasPrefix("/") || folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }

    mutating func read() -> [Scenario] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: source.text)
        } catch {
            let mark: Mark?
            switch error as? YamlError {
            case .scanner(_, _, let m, _), .parser(_, _, let m, _), .composer(_, _, let m, _): mark = m
            default: mark = nil
            }
            let line = mark.map { source.offset(ofLine: $0.line) } ?? 0
            diagnostics.append(.error("test.yaml", "this scenario file is not valid YAML: \(error)", at: Span(file: source, start: line, end: line + 1)))
            return []
        }
        guard let root else { return [] }
        if case .mapping(let mapping) = root, let list = mapping["scenarios"], case .sequence(let items) = list {
            return items.compactMap { scenario($0) }
        }
        return scenario(root).map { [$0] } ?? []
    }

    func text(_ node: Node?) -> String? {
        guard let node else { return nil }
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    mutating func scenario(_ node: Node) -> Scenario? {
        guard case .mapping(let mapping) = node else {
            error("a scenario is a mapping with `name`, `ledgers` and `expect`", node)
            return nil
        }
        guard let name = text(mapping["name"]), !name.isEmpty else {
            error("this scenario has no `name`", node, help: "add `name: gold creator paid on a coupon order`")
            return nil
        }
        for (key, _) in mapping where !["name", "program", "as_of", "ledgers", "expect", "description"].contains(key.string ?? "") {
            error("`\(key.string ?? "")` is not a scenario setting", key,
                  help: Suggestion.didYouMean(key.string ?? "", among: ["name", "program", "as_of", "ledgers", "expect", "description"]))
        }
        var ledgers: [(String, Scenario.LedgerInput)] = []
        if let ledgerNode = mapping["ledgers"] {
            guard case .mapping(let entries) = ledgerNode else {
                error("`ledgers` maps ledger kinds to records", ledgerNode)
                return nil
            }
            for (kindNode, value) in entries {
                let kind = kindNode.string ?? ""
                switch value {
                case .sequence(let rows):
                    var records: [[String: String]] = []
                    for row in rows {
                        guard case .mapping(let fields) = row else {
                            error("each \(kind) record is a mapping of field: value", row)
                            continue
                        }
                        var record: [String: String] = [:]
                        for (field, value) in fields {
                            switch value {
                            case .sequence(let items): record[field.string ?? ""] = items.compactMap(text).joined(separator: ";")
                            default: record[field.string ?? ""] = text(value) ?? ""
                            }
                        }
                        records.append(record)
                    }
                    ledgers.append((kind, .records(records)))
                case .mapping(let settings):
                    guard let path = text(settings["path"]) else {
                        error("a \(kind) ledger file needs `path`", value)
                        continue
                    }
                    var pairs: [(String, String)] = []
                    var columns: [(String, String)] = []
                    for (key, item) in settings where key.string != "path" {
                        if key.string == "columns", case .mapping(let map) = item {
                            columns = map.map { ($0.key.string ?? "", text($0.value) ?? "") }
                        } else if let itemText = text(item) {
                            pairs.append((key.string ?? "", itemText))
                        }
                    }
                    ledgers.append((kind, .file(path: resolve(path), settings: pairs, columns: columns)))
                default:
                    if let path = text(value) { ledgers.append((kind, .file(path: resolve(path), settings: [], columns: []))) }
                }
            }
        }
        var expect = Scenario.Expectations()
        if let expectNode = mapping["expect"], case .mapping(let parts) = expectNode {
            for (key, value) in parts {
                switch key.string ?? "" {
                case "decisions": expect.decisions = records(value)
                case "adjustments": expect.adjustments = records(value)
                case "rejects": expect.rejects = records(value)
                case "totals": expect.totals = records(.sequence(Node.Sequence([value]))).first ?? [:]
                case "unattributed":
                    if case .sequence(let items) = value { expect.unattributed = items.compactMap(text) } else { expect.unattributed = [] }
                default:
                    error("`\(key.string ?? "")` is not something a scenario can expect", key,
                          help: "a scenario expects `decisions`, `adjustments`, `totals`, `unattributed` or `rejects`")
                }
            }
        } else {
            error("scenario `\(name)` expects nothing", node, help: "add `expect:` with `decisions`, `totals`, …")
        }
        return Scenario(name: name, file: source.path, program: text(mapping["program"]).map(resolve), asOf: text(mapping["as_of"]),
                        ledgers: ledgers, expect: expect)
    }

    func records(_ node: Node) -> [[String: Scenario.ExpectedValue]] {
        guard case .sequence(let items) = node else { return [] }
        return items.compactMap { item in
            guard case .mapping(let fields) = item else { return nil }
            var record: [String: Scenario.ExpectedValue] = [:]
            for (key, value) in fields {
                if case .sequence(let list) = value {
                    record[key.string ?? ""] = .list(list.compactMap(text))
                } else {
                    record[key.string ?? ""] = .text(text(value) ?? "")
                }
            }
            return record
        }
    }
}
