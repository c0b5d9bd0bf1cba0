/// A JSON value with deterministic rendering: object members keep the order they
/// were given, so output never depends on hashing.
public indirect enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    /// A number already formatted exactly (a decimal amount such as `12.50`).
    case number(String)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        lhs.rendered() == rhs.rendered()
    }

    /// Compact single-line JSON.
    public func rendered() -> String {
        var out = ""
        write(into: &out, indent: nil, level: 0)
        return out
    }

    /// Indented JSON for people.
    public func pretty() -> String {
        var out = ""
        write(into: &out, indent: "  ", level: 0)
        return out
    }

    private func write(into out: inout String, indent: String?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .number(let text): out += text
        case .string(let text): JSON.quote(text, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                newline(&out, indent, level + 1)
                item.write(into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                newline(&out, indent, level + 1)
                JSON.quote(member.0, into: &out)
                out += indent == nil ? ":" : ": "
                member.1.write(into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out += "}"
        }
    }

    private func newline(_ out: inout String, _ indent: String?, _ level: Int) {
        guard let indent else { return }
        out += "\n" + String(repeating: indent, count: level)
    }

    /// Appends `text` as a JSON string literal.
    public static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension Diagnostic {
    /// The diagnostic as JSON for editors and CI (`--format json`).
    public var json: JSON {
        let start = span.file.location(of: span.start)
        let end = span.file.location(of: span.end)
        var members: [(String, JSON)] = [
            ("file", .string(span.file.path)),
            ("line", .int(Int64(start.line))),
            ("column", .int(Int64(start.column))),
            ("end_line", .int(Int64(end.line))),
            ("end_column", .int(Int64(end.column))),
            ("severity", .string(severity.rawValue)),
            ("code", .string(code)),
            ("message", .string(message)),
        ]
        members.append(("help", help.map(JSON.string) ?? .null))
        members.append(("notes", .array(notes.map { note in
            var fields: [(String, JSON)] = [("message", .string(note.message))]
            if let noteSpan = note.span {
                let at = noteSpan.file.location(of: noteSpan.start)
                fields += [("file", .string(noteSpan.file.path)), ("line", .int(Int64(at.line))),
                           ("column", .int(Int64(at.column)))]
            }
            return .object(fields)
        })))
        return .object(members)
    }
}
