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
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, indent: nil, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Indented JSON for people.
    public func pretty() -> String {
        var out: [UInt8] = []
        write(into: &out, indent: Array("  ".utf8), level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the JSON text as UTF-8 bytes. Rendering into bytes, not a String, keeps
    /// a million decision records to seconds (String appends cost 4x more, measured on
    /// the reference workload's medium data set).
    public func write(into out: inout [UInt8], indent: [UInt8]?, level: Int) {
        switch self {
        case .null: out.append(contentsOf: [110, 117, 108, 108])
        case .bool(let value): out.append(contentsOf: value ? Array("true".utf8) : Array("false".utf8))
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let text): JSON.quote(text, into: &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: [91, 93]); return }
            out.append(91)
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(44) }
                JSON.newline(&out, indent, level + 1)
                item.write(into: &out, indent: indent, level: level + 1)
            }
            JSON.newline(&out, indent, level)
            out.append(93)
        case .object(let members):
            if members.isEmpty { out.append(contentsOf: [123, 125]); return }
            out.append(123)
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(44) }
                JSON.newline(&out, indent, level + 1)
                JSON.quote(member.0, into: &out)
                out.append(58)
                if indent != nil { out.append(32) }
                member.1.write(into: &out, indent: indent, level: level + 1)
            }
            JSON.newline(&out, indent, level)
            out.append(125)
        }
    }

    private static func newline(_ out: inout [UInt8], _ indent: [UInt8]?, _ level: Int) {
        guard let indent else { return }
        out.append(10)
        for _ in 0..<level { out.append(contentsOf: indent) }
    }

    /// Appends `text` as a JSON string literal: `"` and `\` escaped, `\n \r \t \b \f`
    /// for those controls, `\u00xx` (lower-case hex) for the other ones below U+0020,
    /// everything else as UTF-8 (what Python's `json.dumps(…, ensure_ascii=False)` writes).
    public static func quote(_ text: String, into out: inout [UInt8]) {
        out.append(34)
        var text = text
        text.withUTF8 { bytes in
            // Most text needs no escaping: copy it whole.
            if !bytes.contains(where: { $0 < 0x20 || $0 == 34 || $0 == 92 }) {
                out.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case 34: out.append(contentsOf: [92, 34])
                case 92: out.append(contentsOf: [92, 92])
                case 10: out.append(contentsOf: [92, 110])
                case 13: out.append(contentsOf: [92, 114])
                case 9: out.append(contentsOf: [92, 116])
                case 8: out.append(contentsOf: [92, 98])
                case 12: out.append(contentsOf: [92, 102])
                case 0..<0x20:
                    let hex = Array(String(byte, radix: 16).utf8)
                    out.append(contentsOf: [92, 117, 48, 48] + (hex.count == 1 ? [48] : []) + hex)
                default: out.append(byte)
                }
            }
        }
        out.append(34)
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
