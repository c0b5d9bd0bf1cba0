import Foundation
import TallyLineScan

/// A streaming RFC 4180 reader: quoted fields with embedded delimiters, quotes and
/// newlines, CRLF or LF line ends, a UTF-8 byte-order mark. It reads the file in
/// fixed-size chunks, so memory does not grow with the file, and hands each row to
/// the caller as byte ranges in a reused buffer: no String is made for a field the
/// caller does not read.
public struct CSVReader {
    /// One row: its fields as bytes, and where it started in the file.
    public struct Row {
        /// 1-based line number of the row's first line.
        public var line: Int
        /// The bytes of all fields, back to back (quotes removed, `""` unescaped).
        public var bytes: [UInt8] = []
        /// End offset of each field in `bytes`.
        public var ends: [Int] = []
        /// A problem that makes the row unusable, with the 1-based field it is in.
        public var problem: (field: Int, reason: String)?

        public var count: Int { ends.count }

        /// The row of a plain line (no quote), split at `delimiters` (offsets in `text`).
        public init(plainLine text: UnsafeBufferPointer<UInt8>, delimiters: UnsafeBufferPointer<Int>, line: Int) {
            self.init(line: line)
            fill(plainLine: text, delimiters: delimiters, line: line)
        }

        /// Makes this the row of a plain line, keeping the buffers' capacity.
        public mutating func fill(plainLine text: UnsafeBufferPointer<UInt8>, delimiters: UnsafeBufferPointer<Int>, line: Int) {
            self.line = line
            problem = nil
            bytes.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            bytes.reserveCapacity(text.count)
            var start = 0
            for delimiter in delimiters {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<delimiter]))
                ends.append(bytes.count)
                start = delimiter + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...]))
            ends.append(bytes.count)
        }

        public init(line: Int) {
            self.line = line
        }

        /// The bytes of field `index`.
        public func field(_ index: Int) -> ArraySlice<UInt8> {
            guard index < ends.count else { return [] }
            let start = index == 0 ? 0 : ends[index - 1]
            return bytes[start..<ends[index]]
        }

        /// Field `index` as text, or nil when it is not valid UTF-8.
        public func string(_ index: Int) -> String? {
            guard index < ends.count else { return "" }
            let start = index == 0 ? 0 : ends[index - 1]
            // Through a buffer pointer: the generic Sequence initializer is several times slower.
            return bytes.withUnsafeBufferPointer { buffer in
                UTF8Text.string(UnsafeBufferPointer(rebasing: buffer[start..<ends[index]]))
            }
        }

        /// The text of a field without the spaces, tabs and carriage returns around it
        /// (as `string(_:)` then `trimmedSpaces`), nil when not UTF-8. Trimmed as bytes,
        /// before the text is made: trimming the text afterwards walked its UTF-8 view
        /// from both ends, a tenth of building the reference kit's orders.
        public func trimmedString(_ index: Int) -> String? {
            guard index < ends.count else { return "" }
            return withTrimmedField(index) { UTF8Text.string($0) } ?? nil
        }

        /// `body` of the bytes of field `index` without the spaces, tabs and carriage
        /// returns around them (those `trimmedString` makes its text of); nil when the
        /// row has no such field.
        public func withTrimmedField<Result>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
            guard index < ends.count else { return nil }
            var start = index == 0 ? 0 : ends[index - 1], end = ends[index]
            return bytes.withUnsafeBufferPointer { buffer in
                func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 }
                while start < end, isSpace(buffer[start]) { start += 1 }
                while end > start, isSpace(buffer[end - 1]) { end -= 1 }
                return body(UnsafeBufferPointer(rebasing: buffer[start..<end]))
            }
        }
    }

    private let handle: FileHandle
    private let delimiter: UInt8
    private var buffer: [UInt8] = []
    private var position = 0
    private var finished = false
    private var line = 1
    private var firstChunk = true
    /// Bytes left to read when the reader covers part of a file.
    private var remaining = Int.max
    private var readsPart = false
    /// Why reading stopped before the end of the file (or of its part), if it did: a read
    /// error, or a part that ended early because the file changed meanwhile. The rows
    /// read before it stand; the loader reports it (a read error used to end the file
    /// quietly, leaving its other rows out of the run unnoticed).
    public private(set) var readProblem: String?
    /// Whether a quote was met: a file read in parts must then be read whole, since a
    /// quoted field may hold a line end where the file was cut (see `ClickSplit`).
    private(set) var sawQuote = false
    /// The line the next row starts on (after the last, one past the file's line ends).
    var nextLine: Int { line }
    /// Reads up to `count` bytes at `into` from the open file (nil on a read error, with
    /// `errno` set); the system's read, or a stand-in in tests.
    var readBytes: (_ descriptor: Int32, _ into: UnsafeMutableRawPointer, _ count: Int) -> Int? = { FileBytes.read($0, into: $1, count: $2) }
    static let chunkSize = 1 << 20

    /// Opens `path`; nil when it cannot be read.
    public init?(path: String, delimiter: UInt8 = UInt8(ascii: ",")) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        self.handle = handle
        self.delimiter = delimiter
    }

    /// Reads the bytes `range` of `path` only, whose first line is line `line` of the
    /// file (for a file read in parts; the range starts at a line).
    init?(path: String, delimiter: UInt8, range: Range<Int>, line: Int) {
        guard let handle = FileHandle(forReadingAtPath: path), (try? handle.seek(toOffset: UInt64(range.lowerBound))) != nil else { return nil }
        self.handle = handle
        self.delimiter = delimiter
        self.remaining = range.count
        self.readsPart = true
        self.line = line
        self.firstChunk = range.lowerBound == 0
    }

    /// Refills the buffer; false at end of file.
    private mutating func refill() -> Bool {
        if finished { return false }
        // The next chunk is read straight into new room after the bytes not yet taken.
        // (Read into a chunk of its own and then appended to the buffer, every byte of a
        // file was copied twice: 0.2 s of the reference kit's large data, whose clicks
        // file is 2 GB.)
        let want = remaining > 0 ? min(CSVReader.chunkSize, remaining) : 0
        let kept = buffer.count - position, start = position
        let descriptor = handle.fileDescriptor, read = readBytes
        var got = 0
        var failure: Int32?
        let next = [UInt8](unsafeUninitializedCapacity: kept + want) { room, count in
            if kept > 0 { buffer.withUnsafeBufferPointer { room.baseAddress!.initialize(from: $0.baseAddress! + start, count: kept) } }
            if want > 0 {
                if let read = read(descriptor, room.baseAddress! + kept, want) { got = read } else { failure = errno }
            }
            count = kept + got
        }
        if let failure { readProblem = "reading stopped at line \(line): \(String(cString: strerror(failure)))" }
        remaining -= got
        if got == 0 {
            if readProblem == nil, readsPart, remaining > 0 {
                readProblem = "the file ended \(remaining) byte\(remaining == 1 ? "" : "s") before the part being read did (it changed while it was read), at line \(line)"
            }
            finished = true
            try? handle.close()
            return false
        }
        buffer = next
        position = 0
        if firstChunk {
            firstChunk = false
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { buffer.removeFirst(3) }
        }
        return true
    }

    private mutating func nextByte() -> UInt8? {
        if position >= buffer.count, !refill() { return nil }
        let byte = buffer[position]
        position += 1
        return byte
    }

    private mutating func peekByte() -> UInt8? {
        if position >= buffer.count, !refill() { return nil }
        return buffer[position]
    }

    /// The next row, reusing `row`'s storage; false at end of file. Blank lines are
    /// skipped (they hold no record).
    public mutating func next(into row: inout Row) -> Bool {
        while true {
            row.bytes.removeAll(keepingCapacity: true)
            row.ends.removeAll(keepingCapacity: true)
            row.problem = nil
            row.line = line
            guard let first = peekByte() else { return false }
            if first == UInt8(ascii: "\n") {
                _ = nextByte()
                line += 1
                continue
            }
            if first == UInt8(ascii: "\r") {
                _ = nextByte()
                if peekByte() == UInt8(ascii: "\n") { _ = nextByte() }
                line += 1
                continue
            }
            if !readPlainRow(into: &row) { readRow(into: &row) }
            // The row reading stopped in is refused, not taken as it stands: a value cut
            // short (12.5 of 12.50) would pass for another.
            if readProblem != nil, finished, position >= buffer.count, row.problem == nil {
                row.problem = (max(1, row.ends.count), "the line is cut short: reading the file stopped in it")
            }
            return true
        }
    }

    /// The common case: a whole line in the buffer with no quote in it is split on the
    /// delimiter in one pass over raw memory. Lines with quotes, or not yet fully read,
    /// go through the general state machine. (On the reference kit's 1,000,000-click
    /// file this halves the reader's time: 1.1 s to 0.5 s.)
    private mutating func readPlainRow(into row: inout Row) -> Bool {
        var newline = -1
        var hasQuote = false
        let start = position
        // memchr scans by machine word: a third of the reader's time went to finding the
        // line end byte by byte.
        buffer.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress, start < bytes.count,
                  let found = memchr(base + start, 10, bytes.count - start) else { return }
            newline = start + (UnsafeRawPointer(found) - UnsafeRawPointer(base + start))
            hasQuote = memchr(base + start, 34, newline - start) != nil
        }
        guard newline >= 0, !hasQuote else { return false }
        var end = newline
        if end > position, buffer[end - 1] == 13 { end -= 1 }
        let delimiter = self.delimiter
        buffer.withUnsafeBufferPointer { bytes in
            row.bytes.reserveCapacity(end - start)
            var fieldStart = start
            var index = start
            while index < end {
                if bytes[index] == delimiter {
                    row.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[fieldStart..<index]))
                    row.ends.append(row.bytes.count)
                    fieldStart = index + 1
                }
                index += 1
            }
            row.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[fieldStart..<end]))
            row.ends.append(row.bytes.count)
        }
        position = newline + 1
        line += 1
        return true
    }

    /// The next row when it is one line without a quote: `body` reads it in place (the
    /// line without its line end, the offset of each delimiter in it, its line number,
    /// whether it is all ASCII), and nothing is copied. Nil, with nothing consumed, when
    /// the next row has a quote or the file ends without a final line end: read it with
    /// `next(into:)`. Nil too at the end of the file. Blank lines are skipped. (With the
    /// duplicate check keeping such lines as they are, see `DuplicateFilter`, loading the
    /// reference kit's medium clicks went from 0.65 s to 0.53 s.)
    ///
    /// Each line is scanned once, by `tally_scan_line` (see `TallyLineScan`), into
    /// `delimiters`: room the caller keeps from row to row, grown for a line with more
    /// delimiters than it holds (which is then scanned again). (Always inlined: called as
    /// a function, once a row, it kept the caller's closure and its captures retained.)
    @inline(__always)
    public mutating func nextPlainLine<Result>(delimiters: inout [Int],
                                               _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int>, Int, Bool) -> Result) -> Result? {
        if delimiters.count < 128 { delimiters = [Int](repeating: 0, count: 128) }
        while true {
            if position >= buffer.count, !refill() { return nil }
            let start = position
            let delimiter = self.delimiter
            var scan = buffer.withUnsafeBufferPointer { bytes in
                delimiters.withUnsafeMutableBufferPointer { room in
                    tally_scan_line(bytes.baseAddress! + start, bytes.count - start, delimiter, room.baseAddress!, room.count)
                }
            }
            if scan.newline < 0 {
                // The line goes on past the buffer: read more, or leave the last line (no
                // line end) to the general reader.
                if position > 0 || buffer.count < CSVReader.chunkSize * 4, refill() { continue }
                return nil
            }
            if scan.quote {
                sawQuote = true
                return nil
            }
            if scan.delimiters > delimiters.count {
                delimiters = [Int](repeating: 0, count: scan.delimiters)
                scan = buffer.withUnsafeBufferPointer { bytes in
                    delimiters.withUnsafeMutableBufferPointer { room in
                        tally_scan_line(bytes.baseAddress! + start, bytes.count - start, delimiter, room.baseAddress!, room.count)
                    }
                }
            }
            let newline = start + scan.newline
            var end = newline
            if end > start, buffer[end - 1] == 13 { end -= 1 }
            let number = line
            position = newline + 1
            line += 1
            if end == start { continue }  // a blank line holds no record
            // The offsets as a buffer: as an array, every row retained and let go of it
            // (an atomic count each way; ten million rows on the reference kit's large data).
            return buffer.withUnsafeBufferPointer { bytes in
                delimiters.withUnsafeBufferPointer { found in
                    body(UnsafeBufferPointer(rebasing: bytes[start..<end]), UnsafeBufferPointer(rebasing: found[..<scan.delimiters]),
                         number, !scan.nonASCII)
                }
            }
        }
    }

    private mutating func readRow(into row: inout Row) {
        let quote = UInt8(ascii: "\"")
        var inQuotes = false
        var fieldStart = true
        var quotedField = false
        var quoteLine = line
        while true {
            guard let byte = nextByte() else {
                if inQuotes, row.problem == nil {
                    row.problem = (row.ends.count + 1, "a quoted field opened on line \(quoteLine) is never closed")
                }
                row.ends.append(row.bytes.count)
                return
            }
            if inQuotes {
                if byte == quote {
                    if peekByte() == quote {
                        _ = nextByte()
                        row.bytes.append(quote)
                    } else {
                        inQuotes = false
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    row.bytes.append(byte)
                }
                continue
            }
            switch byte {
            case delimiter:
                row.ends.append(row.bytes.count)
                fieldStart = true
                quotedField = false
            case UInt8(ascii: "\n"):
                line += 1
                row.ends.append(row.bytes.count)
                return
            case UInt8(ascii: "\r"):
                if peekByte() == UInt8(ascii: "\n") { _ = nextByte() }
                line += 1
                row.ends.append(row.bytes.count)
                return
            case quote:
                sawQuote = true
                if fieldStart {
                    inQuotes = true
                    quotedField = true
                    quoteLine = line
                    fieldStart = false
                } else if row.problem == nil {
                    row.problem = (row.ends.count + 1, quotedField
                        ? "text after the closing quote of a quoted field"
                        : "a quote inside a field that does not start with a quote")
                    row.bytes.append(byte)
                }
            default:
                if quotedField, row.problem == nil {
                    row.problem = (row.ends.count + 1, "text after the closing quote of a quoted field")
                }
                fieldStart = false
                row.bytes.append(byte)
            }
        }
    }
}
