import Foundation

/// Reads JSON Lines: one JSON object per line, read line by line in chunks. Values
/// become the same text a CSV field would hold, so both formats share one validation.
public struct JSONLReader {
    private let lines: LedgerLines
    /// The 1-based number of the last line read.
    private var number = 0

    public init?(path: String) {
        guard let lines = LedgerLines(path: path) else { return nil }
        self.lines = lines
    }

    /// Reads the lines of `lines` (tests give one whose reads fail part-way).
    init(lines: LedgerLines) { self.lines = lines }

    /// Why reading stopped before the end of the file, if it did (see
    /// `CSVReader.readProblem`).
    public var readProblem: String? { lines.problem.map { "reading stopped at line \(number + (lines.lastHadLineEnd ? 1 : 0)): \($0)" } }

    /// The next object as field name -> text, with its line; a line that is not a
    /// flat JSON object comes back with a problem. nil at end of file.
    public mutating func next() -> (line: Int, fields: [String: String], problem: String?)? {
        while let line = lines.next() {
            number += 1
            // The line reading stopped in (see `CSVReader.next`).
            if lines.problem != nil, !lines.lastHadLineEnd { return (number, [:], "the line is cut short: reading the file stopped in it") }
            // A byte order mark before the first line is no part of it.
            let bytes = number == 1 && line.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(line.dropFirst(3)) : Array(line)
            if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            var parser = FlatJSON(bytes: bytes)
            do {
                return (number, try parser.object(), nil)
            } catch let error as FlatJSON.Problem {
                return (number, [:], error.reason)
            } catch {
                return (number, [:], "not a JSON object")
            }
        }
        return nil
    }
}

/// A parser for one flat JSON object per line. Numbers keep their literal digits, so
/// `12.10` stays exactly 12.10 (no binary floating point on the way).
struct FlatJSON {
    struct Problem: Error { var reason: String }
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func skipSpace() {
        while index < bytes.count, [32, 9, 13, 10].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else {
            throw Problem(reason: "expected `\(Character(UnicodeScalar(byte)))` at character \(index + 1)")
        }
        index += 1
    }

    mutating func object() throws -> [String: String] {
        try expect(UInt8(ascii: "{"))
        var fields: [String: String] = [:]
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipSpace()
                let key = try string()
                try expect(UInt8(ascii: ":"))
                let value = try scalarOrList(key: key)
                if fields[key] != nil { throw Problem(reason: "field `\(key)` appears twice") }
                fields[key] = value
                skipSpace()
                guard index < bytes.count else { throw Problem(reason: "the object is not closed") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; break }
                throw Problem(reason: "expected `,` or `}` at character \(index + 1)")
            }
        }
        skipSpace()
        if index != bytes.count { throw Problem(reason: "text after the object at character \(index + 1)") }
        return fields
    }

    mutating func scalarOrList(key: String) throws -> String {
        skipSpace()
        guard index < bytes.count else { throw Problem(reason: "field `\(key)` has no value") }
        switch bytes[index] {
        case UInt8(ascii: "\""): return try string()
        case UInt8(ascii: "["):
            index += 1
            var items: [String] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return "" }
            while true {
                items.append(try scalarOrList(key: key))
                skipSpace()
                guard index < bytes.count else { throw Problem(reason: "the list in `\(key)` is not closed") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; break }
                throw Problem(reason: "expected `,` or `]` in `\(key)`")
            }
            return items.joined(separator: ";")
        case UInt8(ascii: "{"): throw Problem(reason: "field `\(key)` holds an object; use text, a number or a list")
        default:
            let start = index
            while index < bytes.count, !([UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 32, 9, 13].contains(bytes[index])) {
                index += 1
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            switch text {
            case "null": return ""
            case "true", "false": return text
            default:
                guard !text.isEmpty, text.allSatisfy({ "0123456789.-+eE".contains($0) }) else {
                    throw Problem(reason: "field `\(key)` has an unreadable value `\(text)`")
                }
                return text
            }
        }
    }

    mutating func string() throws -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw Problem(reason: "expected a string at character \(index + 1)")
        }
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") {
                guard let text = String(validating: out, as: UTF8.self) else { throw Problem(reason: "text is not valid UTF-8") }
                return text
            }
            if byte == UInt8(ascii: "\\"), index < bytes.count {
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { throw Problem(reason: "bad \\u escape") }
                    // A character beyond U+FFFF is escaped as two halves (`\\ud83d\\ude00`, as
                    // Python's json module writes it by default).
                    if code >= 0xD800, code < 0xDC00, index + 1 < bytes.count, bytes[index] == 92, bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        guard let low = hex4(), low >= 0xDC00, low < 0xE000 else { throw Problem(reason: "bad \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw Problem(reason: "bad \\u escape") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: out.append(escaped)
                }
                continue
            }
            out.append(byte)
        }
        throw Problem(reason: "a string is not closed")
    }

    /// Four hex digits at `index`, read and passed.
    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            guard let digit = UTF8Text.hexDigit(byte) else { return nil }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }
}
