/// One text file of a program, with the line table that turns byte offsets into
/// line and column on demand. Shared by every span that points into it.
public final class SourceFile: Sendable {
    /// The path as the user named it (relative paths stay relative in messages).
    public let path: String
    /// The text, decoded as UTF-8 (invalid sequences replaced by U+FFFD).
    public let text: String
    /// The UTF-8 bytes of `text`; spans are offsets into these.
    public let bytes: [UInt8]
    /// Offset of the first invalid UTF-8 byte of the original file, if any.
    public let firstInvalidByte: Int?
    private let lineStarts: [Int]

    /// A source from raw file bytes; invalid UTF-8 is replaced and remembered.
    public init(path: String, contents: [UInt8]) {
        self.path = path
        var invalid: Int?
        if String(validating: contents, as: UTF8.self) == nil {
            invalid = SourceFile.firstInvalidOffset(contents)
        }
        let decoded = String(decoding: contents, as: UTF8.self)
        self.text = decoded
        self.bytes = Array(decoded.utf8)
        self.firstInvalidByte = invalid
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            starts.append(index + 1)
        }
        self.lineStarts = starts
    }

    /// A source from text (tests, generated programs).
    public convenience init(path: String, text: String) {
        self.init(path: path, contents: Array(text.utf8))
    }

    /// Number of lines (a final line without a newline counts).
    public var lineCount: Int { lineStarts.count }

    /// 1-based line and column of a byte offset; the column counts characters, so
    /// non-ASCII text lines up with what an editor shows.
    public func location(of offset: Int) -> SourceLocation {
        let clamped = max(0, min(offset, bytes.count))
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= clamped { low = mid } else { high = mid - 1 }
        }
        let start = lineStarts[low]
        let prefix = String(decoding: bytes[start..<clamped], as: UTF8.self)
        return SourceLocation(line: low + 1, column: prefix.count + 1)
    }

    /// The text of a 1-based line, without its line break.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// Byte offset where a 1-based line starts.
    public func offset(ofLine line: Int) -> Int {
        lineStarts[max(0, min(line - 1, lineStarts.count - 1))]
    }

    /// The source text a span covers.
    public func text(of span: Span) -> String {
        let start = max(0, min(span.start, bytes.count))
        let end = max(start, min(span.end, bytes.count))
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private static func firstInvalidOffset(_ bytes: [UInt8]) -> Int {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length: Int
            if byte < 0x80 { length = 1 }
            else if byte >= 0xC2 && byte <= 0xDF { length = 2 }
            else if byte >= 0xE0 && byte <= 0xEF { length = 3 }
            else if byte >= 0xF0 && byte <= 0xF4 { length = 4 }
            else { return index }
            if index + length > bytes.count { return index }
            if length > 1, String(validating: bytes[index..<(index + length)], as: UTF8.self) == nil {
                return index
            }
            index += length
        }
        return bytes.count
    }
}

/// A 1-based line and character column.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// A half-open range of byte offsets `[start, end)` in one source file.
public struct Span: Hashable, Sendable {
    public var file: SourceFile
    public var start: Int
    public var end: Int

    public init(file: SourceFile, start: Int, end: Int) {
        self.file = file
        self.start = start
        self.end = max(start, end)
    }

    /// The smallest span covering both.
    public func union(_ other: Span) -> Span {
        Span(file: file, start: min(start, other.start), end: max(end, other.end))
    }

    public var location: SourceLocation { file.location(of: start) }

    public static func == (lhs: Span, rhs: Span) -> Bool {
        lhs.file === rhs.file && lhs.start == rhs.start && lhs.end == rhs.end
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(file))
        hasher.combine(start)
        hasher.combine(end)
    }
}
