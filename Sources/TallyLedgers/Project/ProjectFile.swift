import Foundation
import TallySource
import Yams

/// The ledgers a program runs over.
public enum LedgerKind: String, CaseIterable, Sendable {
    case referrers, products, clicks, orders, refunds, assignments, surveys, fx, resolutions
}

/// How a ledger file is laid out.
public enum LedgerFormat: String, CaseIterable, Sendable {
    case csv, tsv, jsonl
    case amazonOrders = "amazon-orders"
    case amazonReturns = "amazon-returns"
    case shopifyOrders = "shopify-orders"
}

/// One survey answer pattern: answers containing `contains` (case-insensitive) name
/// `referrer`.
public struct AnswerPattern: Sendable, Equatable {
    public var contains: String
    public var referrer: String
}

/// One ledger file as the project names it.
public struct LedgerSource: Sendable {
    public var kind: LedgerKind
    /// The path as resolved against the project folder.
    public var path: String
    public var format: LedgerFormat
    /// Their column name -> our field name.
    public var columns: [String: String]
    /// Our field name -> a value for every row.
    public var constants: [String: String]
    public var answers: [AnswerPattern]
    /// A layout for timestamps that are not ISO-8601 (`%d/%m/%Y %H:%M`).
    public var timestampFormat: String?
    /// Where in tally.yaml this ledger is named.
    public var span: Span
}

/// Where a secret key is read from: a file (its text, trimmed) or an environment
/// variable, never the command line or tally.yaml itself.
public struct KeySource: Sendable {
    /// The key's id (tracking-token keys); empty for the redaction key.
    public var id: String
    public var environment: String?
    /// The file's path as resolved against the project folder.
    public var file: String?
    /// Where in tally.yaml the key is named.
    public var span: Span

    /// The key's bytes, or why they cannot be had.
    public func secret(environment values: [String: String] = ProcessInfo.processInfo.environment) -> Result<[UInt8], KeyProblem> {
        let text: String
        if let name = environment {
            guard let value = values[name] else { return .failure(KeyProblem(words: "the environment variable `\(name)` is not set")) }
            text = value
        } else if let file {
            guard let data = FileManager.default.contents(atPath: file) else { return .failure(KeyProblem(words: "cannot read the key file `\(file)`")) }
            text = String(decoding: data, as: UTF8.self)
        } else {
            return .failure(KeyProblem(words: "the key names neither `file` nor `env`"))
        }
        let key = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard key.count >= 16 else { return .failure(KeyProblem(words: "the key is \(key.count) characters long; use at least 16 (`tally token new-key` prints a good one)")) }
        return .success(key)
    }
}

/// Why a key cannot be read, in words.
public struct KeyProblem: Error, Sendable {
    public var words: String
}

/// `tally.yaml`: the program's root rule file, its ledgers and the output folder.
public struct ProjectFile: Sendable {
    public var file: SourceFile
    /// The folder the project file is in; relative paths start there.
    public var folder: String
    public var program: String
    public var output: String
    /// Ledgers in the order the file lists them (input order for ties).
    public var ledgers: [LedgerSource]
    /// The paid ledger `tally close` appends to (default `paid.jsonl` beside tally.yaml).
    public var paid: String
    /// Keys of signed tracking tokens; the first one signs new tokens.
    public var tokenKeys: [KeySource]
    /// The key of `--redact` pseudonyms.
    public var redactionKey: KeySource?

    /// Reads `tally.yaml` (or the file at `path`). Mistakes come back as diagnostics
    /// with line and column, like rule files.
    public static func load(_ path: String) -> (ProjectFile?, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else { return (nil, []) }
        let source = SourceFile(path: path, contents: [UInt8](data))
        var reader = ProjectReader(source: source)
        let project = reader.read()
        return (reader.diagnostics.hasErrors ? nil : project, reader.diagnostics)
    }
}

/// Walks the YAML tree with positions (Yams' `compose`) and builds a `ProjectFile`.
struct ProjectReader {
    let source: SourceFile
    var diagnostics: [Diagnostic] = []

    init(source: SourceFile) {
        self.source = source
    }

    func span(_ mark: Mark?) -> Span {
        guard let mark else { return Span(file: source, start: 0, end: 0) }
        let lineStart = source.offset(ofLine: mark.line)
        let text = source.lineText(mark.line)
        let prefix = String(String.UnicodeScalarView(text.unicodeScalars.prefix(max(0, mark.column - 1))))
        let start = lineStart + prefix.utf8.count
        var end = start
        while end < source.bytes.count, ![10, 13, 32, 58, 44].contains(source.bytes[end]) { end += 1 }
        return Span(file: source, start: start, end: max(end, start + 1))
    }

    func span(_ node: Node) -> Span { span(node.mark) }

    mutating func error(_ code: String, _ message: String, at span: Span, help: String? = nil) {
        diagnostics.append(.error(code, message, at: span, help: help))
    }

    var folder: String { (source.path as NSString).deletingLastPathComponent }

    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }

    mutating func read() -> ProjectFile? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: source.text)
        } catch let error as YamlError {
            reportYamlError(error)
            return nil
        } catch {
            self.error("project.yaml", "tally.yaml cannot be read: \(error)", at: span(nil))
            return nil
        }
        guard let root, case .mapping(let mapping) = root else {
            error("project.shape", "tally.yaml must be a mapping with `program`, `output` and `ledgers`", at: span(root?.mark),
                  help: "see docs/ledgers.md for an example")
            return nil
        }
        var program: String?
        var output = "out"
        var ledgers: [LedgerSource] = []
        var paid = resolve("paid.jsonl")
        var tokenKeys: [KeySource] = []
        var redactionKey: KeySource?
        let known = ["program", "output", "ledgers", "paid", "tokens", "redaction"]
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "program":
                guard let text = value.string, !text.isEmpty else {
                    error("project.type", "`program` is the path of the program's root rule file", at: span(value),
                          help: "write `program: rules/acme.tally`")
                    continue
                }
                program = resolve(text)
                if !FileManager.default.fileExists(atPath: program!) {
                    error("project.missing-file", "cannot find the program `\(text)`", at: span(value),
                          help: "paths are relative to the folder of tally.yaml")
                }
            case "output":
                guard let text = value.string, !text.isEmpty else {
                    error("project.type", "`output` is a folder path", at: span(value))
                    continue
                }
                output = resolve(text)
            case "ledgers":
                guard case .mapping(let entries) = value else {
                    error("project.type", "`ledgers` maps each ledger (referrers, clicks, orders, …) to its files", at: span(value),
                          help: "write `ledgers:` then `  orders: orders.csv` on the next line")
                    continue
                }
                for (kindNode, files) in entries {
                    let name = kindNode.string ?? ""
                    guard let kind = LedgerKind(rawValue: name) else {
                        error("project.unknown-ledger", "`\(name)` is not a ledger", at: span(kindNode),
                              help: Suggestion.didYouMean(name, among: LedgerKind.allCases.map(\.rawValue))
                                ?? "ledgers are " + LedgerKind.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "))
                        continue
                    }
                    if case .sequence(let list) = files {
                        for entry in list { if let ledger = readLedger(kind, entry) { ledgers.append(ledger) } }
                    } else if let ledger = readLedger(kind, files) {
                        ledgers.append(ledger)
                    }
                }
            case "paid":
                guard let text = value.string, !text.isEmpty else {
                    error("project.type", "`paid` is the path of the paid ledger", at: span(value), help: "write `paid: paid.jsonl`")
                    continue
                }
                paid = resolve(text)
            case "tokens":
                guard case .mapping(let settings) = value, let list = settings["keys"], case .sequence(let entries) = list else {
                    error("project.type", "`tokens` lists the keys of signed tracking links under `keys`", at: span(value),
                          help: "write `tokens:` then `  keys:` then `    - { id: k2026, file: keys/k2026.key }`")
                    continue
                }
                for entry in entries {
                    if let key = readKey(entry, needsID: true) {
                        if tokenKeys.contains(where: { $0.id == key.id }) {
                            error("project.duplicate-key", "the token key `\(key.id)` is listed twice", at: key.span)
                        }
                        tokenKeys.append(key)
                    }
                }
            case "redaction":
                redactionKey = readKey(value, needsID: false)
            default:
                error("project.unknown-key", "`\(key)` is not a setting of tally.yaml", at: span(keyNode),
                      help: Suggestion.didYouMean(key, among: known) ?? "settings are " + known.map { "`\($0)`" }.joined(separator: ", "))
            }
        }
        guard let program else {
            if !diagnostics.hasErrors {
                error("project.missing-program", "tally.yaml does not name the program", at: span(root.mark),
                      help: "add `program: rules/acme.tally`")
            }
            return nil
        }
        return ProjectFile(file: source, folder: folder, program: program, output: output, ledgers: ledgers, paid: paid,
                           tokenKeys: tokenKeys, redactionKey: redactionKey)
    }

    /// `{ id: k1, file: keys/k1.key }` or `{ id: k1, env: TALLY_KEY_K1 }`.
    mutating func readKey(_ node: Node, needsID: Bool) -> KeySource? {
        let shape = needsID ? "`{ id: k2026, file: keys/k2026.key }` or `{ id: k2026, env: ACME_TOKEN_KEY }`"
                            : "`{ file: keys/redact.key }` or `{ env: ACME_REDACT_KEY }`"
        guard case .mapping(let fields) = node else {
            error("project.type", "a key is a mapping: \(shape)", at: span(node))
            return nil
        }
        var key = KeySource(id: "", environment: nil, file: nil, span: span(node))
        for (name, value) in fields {
            switch name.string ?? "" {
            case "id":
                let id = value.string ?? ""
                guard !id.isEmpty, id.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }) else {
                    error("project.type", "a key id is letters, digits, `-` and `_`", at: span(value))
                    return nil
                }
                key.id = id
                key.span = span(value)
            case "env": key.environment = value.string
            case "file": key.file = value.string.map(resolve)
            default:
                error("project.unknown-key", "`\(name.string ?? "")` is not a key setting", at: span(name), help: "write \(shape)")
                return nil
            }
        }
        if needsID, key.id.isEmpty {
            error("project.type", "this key has no `id` (tokens name the key that signed them)", at: span(node), help: "write \(shape)")
            return nil
        }
        if (key.environment == nil) == (key.file == nil) {
            error("project.type", "a key is read from a `file` or an `env` variable (one of them), never written in tally.yaml", at: span(node),
                  help: "write \(shape)")
            return nil
        }
        return key
    }

    mutating func readLedger(_ kind: LedgerKind, _ node: Node) -> LedgerSource? {
        var path: String?
        var format: LedgerFormat?
        var columns: [String: String] = [:]
        var constants: [String: String] = [:]
        var answers: [AnswerPattern] = []
        var timestampFormat: String?
        var pathNode = node
        if let text = node.string {
            path = text
        } else if case .mapping(let settings) = node {
            for (keyNode, value) in settings {
                let key = keyNode.string ?? ""
                switch key {
                case "path":
                    path = value.string
                    pathNode = value
                case "format":
                    guard let text = value.string, let known = LedgerFormat(rawValue: text) else {
                        let text = value.string ?? ""
                        error("project.unknown-format", "`\(text)` is not a ledger format", at: span(value),
                              help: Suggestion.didYouMean(text, among: LedgerFormat.allCases.map(\.rawValue))
                                ?? "formats are " + LedgerFormat.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "))
                        return nil
                    }
                    format = known
                case "columns", "constants":
                    guard case .mapping(let pairs) = value else {
                        error("project.type", "`\(key)` maps names to names", at: span(value),
                              help: key == "columns" ? "write `columns: { partner_id: referrer }` (their column: our field)" : "write `constants: { channel: shop }`")
                        return nil
                    }
                    for (from, to) in pairs {
                        guard let a = from.string, let b = to.string else { continue }
                        if key == "columns" { columns[a] = b } else { constants[a] = b }
                    }
                case "timestamps":
                    guard let text = value.string, text.contains("%") else {
                        error("project.type", "`timestamps` is a layout such as `%d/%m/%Y %H:%M`", at: span(value))
                        return nil
                    }
                    timestampFormat = text
                case "answers":
                    guard case .sequence(let list) = value else {
                        error("project.type", "`answers` is a list of `{ contains: …, referrer: … }`", at: span(value))
                        return nil
                    }
                    for item in list {
                        guard case .mapping(let fields) = item,
                              let text = fields["contains"]?.string, let referrer = fields["referrer"]?.string else {
                            error("project.type", "each answer pattern needs `contains` and `referrer`", at: span(item),
                                  help: "write `- contains: \"trail tom\"` and `  referrer: R-TRAILTOM`")
                            continue
                        }
                        answers.append(AnswerPattern(contains: text.lowercased(), referrer: referrer))
                    }
                default:
                    error("project.unknown-key", "`\(key)` is not a ledger setting", at: span(keyNode),
                          help: Suggestion.didYouMean(key, among: ["path", "format", "columns", "constants", "timestamps", "answers"])
                            ?? "ledger settings are `path`, `format`, `columns`, `constants`, `timestamps` and `answers`")
                }
            }
        }
        guard let path, !path.isEmpty else {
            error("project.type", "this \(kind.rawValue) ledger has no path", at: span(node), help: "write `path: \(kind.rawValue).csv`")
            return nil
        }
        let resolved = resolve(path)
        if !FileManager.default.fileExists(atPath: resolved) {
            error("project.missing-file", "cannot find the \(kind.rawValue) ledger `\(path)`", at: span(pathNode),
                  help: "paths are relative to the folder of tally.yaml")
        }
        let inferred: LedgerFormat = path.hasSuffix(".jsonl") ? .jsonl : (path.hasSuffix(".tsv") || path.hasSuffix(".txt")) ? .tsv : .csv
        let chosen = format ?? inferred
        let fits: Bool
        switch chosen {
        case .amazonOrders, .shopifyOrders: fits = kind == .orders
        case .amazonReturns: fits = kind == .refunds
        default: fits = true
        }
        if !fits {
            error("project.wrong-format", "`\(chosen.rawValue)` files are not \(kind.rawValue)", at: span(node))
            return nil
        }
        if !answers.isEmpty, kind != .surveys {
            error("project.unknown-key", "`answers` belongs to the surveys ledger", at: span(node))
        }
        return LedgerSource(kind: kind, path: resolved, format: chosen, columns: columns, constants: constants,
                            answers: answers, timestampFormat: timestampFormat, span: span(pathNode))
    }

    mutating func reportYamlError(_ error: YamlError) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            self.error("project.yaml", "tally.yaml is not valid YAML: \(problem)", at: span(mark),
                       help: "check the indentation and the `key: value` shape of this line")
        case .duplicatedKeysInMapping(let duplicates, let context):
            self.error("project.duplicate-key", "`\(duplicates.joined(separator: "`, `"))` is set twice", at: span(context.mark))
        default:
            self.error("project.yaml", "tally.yaml is not valid YAML: \(error)", at: span(nil))
        }
    }
}
