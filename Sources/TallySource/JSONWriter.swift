/// Writes compact JSON straight into bytes, member by member, in the order called: the
/// same text `JSON.rendered()` gives for the same members, without building the tree.
/// Decision records are most of a run's output (1.5 GB on the reference kit's large
/// data), and the tree's allocations were half of their rendering time.
///
/// The bytes live in a buffer of the writer's own (not an array): appending to an array
/// checks that it is uniquely referenced and goes through the generic sequence path on
/// every call, which was a third of rendering a record. The writer cannot be copied, so
/// the buffer has one owner.
public struct JSONWriter: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// How many bytes are written.
    public private(set) var count = 0
    /// Whether the container being written has no member or element yet.
    private var first = true

    /// A writer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 64)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// The JSON written so far.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: start, count: count)) }

    /// Reads the bytes written so far in place.
    public func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: start, count: count))
    }

    /// Reads the bytes written from `offset` on, in place.
    public func withBytes<Result>(from offset: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: start + offset, count: count - offset))
    }

    /// Changes the bytes written so far in place: room left in a record (of a length
    /// known ahead) filled in once what goes there is known, as a hash chain's links are.
    public mutating func withMutableBytes<Result>(_ body: (UnsafeMutableBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeMutableBufferPointer(start: start, count: count))
    }

    /// Forgets what was written, keeping the buffer (one writer renders many records).
    public mutating func removeAll() {
        count = 0
        first = true
    }

    /// Adds ASCII text as it is, not as a JSON value: what a record's owner writes after
    /// it (the hash chain's `prev` and `hash`, see `HashChain`), or plain ASCII inside a
    /// string written in parts (see `beginString`).
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { put($0) }
    }

    /// Adds bytes as they are, not as a JSON value (see `raw(_:)`): a record rendered
    /// by another writer.
    public mutating func raw(_ bytes: UnsafeBufferPointer<UInt8>) {
        put(bytes)
    }

    /// Adds text as it is, not as a JSON value (see `raw(_:)`).
    public mutating func raw(_ text: String) {
        var text = text
        text.withUTF8 { put($0) }
    }

    /// Adds members already written as JSON (`"a":1,"b":"x"`, without a leading comma)
    /// to the object being written, as they are: parts of records that are the same
    /// every time, written once.
    public mutating func members(_ json: UnsafeBufferPointer<UInt8>) {
        separator()
        put(json)
    }

    /// Starts the next top-level value (the next line of a JSONL file): no comma before it.
    public mutating func startValue() {
        first = true
    }

    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        let larger = max(needed, 2 * capacity)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.update(from: start, count: count)
        start.deallocate()
        start = moved
        capacity = larger
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (start + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    /// Whether text needs no escaping in a JSON string: no control byte, `"` or `\`.
    /// Checked eight bytes at a time.
    private static func isPlain(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = utf8.count
        var index = 0
        if let base = utf8.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while index + 8 <= n {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                // Bytes below 0x20 (high bit clear in word - 0x20.., unless the byte is
                // >= 0x80), or equal to `"` or `\`: a flag may be false only above a
                // true one, so any flag means "check these bytes one by one".
                let low = (word &- 0x2020_2020_2020_2020) & ~word
                let quote = word ^ 0x2222_2222_2222_2222, slash = word ^ 0x5C5C_5C5C_5C5C_5C5C
                if (low | ((quote &- ones) & ~quote) | ((slash &- ones) & ~slash)) & highs != 0 { break }
                index += 8
            }
        }
        while index < n {
            let byte = utf8[index]
            if byte < 0x20 || byte == 34 || byte == 92 { return false }
            index += 1
        }
        return true
    }

    /// `text` as a JSON string literal (see `JSON.quote`).
    private mutating func quoted(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            // Nearly all text needs no escaping: it is copied whole.
            if JSONWriter.isPlain(utf8) {
                reserve(utf8.count + 2)
                start[count] = 34
                count += 1
                put(utf8)
                start[count] = 34
                count += 1
            } else {
                var escaped: [UInt8] = []
                JSON.quote(String(decoding: utf8, as: UTF8.self), into: &escaped)
                escaped.withUnsafeBufferPointer { put($0) }
            }
        }
    }

    private mutating func separator() {
        if !first { put(44) }
        first = false
    }

    /// Starts a member named `name` of the object being written, or an element (nil).
    /// Names are literals of plain ASCII without quotes or backslashes: written as they
    /// are, not escaped (escaping every name was a fifth of rendering decision records).
    public mutating func key(_ name: StaticString?) {
        guard let name else { return separator() }
        guard name.hasPointerRepresentation else {
            separator()
            put(34)
            name.withUTF8Buffer { put($0) }
            put(34)
            put(58)
            return
        }
        // Room once, then `,"name":` in place (a check per byte and a closure for the
        // name were a twentieth of rendering a decision record).
        let length = name.utf8CodeUnitCount
        reserve(length + 4)
        if !first {
            start[count] = 44
            count += 1
        }
        first = false
        start[count] = 34
        (start + count + 1).update(from: name.utf8Start, count: length)
        start[count + 1 + length] = 34
        start[count + 2 + length] = 58
        count += length + 3
    }

    /// Starts a member whose name is text (escaped as JSON needs).
    public mutating func key(text name: String) {
        separator()
        quoted(name)
        put(58)
    }

    /// `{`, as a member named `name` of the object being written, or as an element.
    public mutating func beginObject(_ name: StaticString? = nil) {
        key(name)
        put(123)
        first = true
    }

    /// `}`: ends the object being written.
    public mutating func endObject() {
        put(125)
        first = false
    }

    /// `[`, as a member named `name` of the object being written, or as an element.
    public mutating func beginArray(_ name: StaticString? = nil) {
        key(name)
        put(91)
        first = true
    }

    /// `]`: ends the array being written.
    public mutating func endArray() {
        put(93)
        first = false
    }

    /// A string member (or element, for a nil name), escaped as JSON needs.
    public mutating func string(_ name: StaticString?, _ value: String) {
        key(name)
        quoted(value)
    }

    /// A member whose name is text, with a string value.
    public mutating func string(key name: String, _ value: String) {
        key(text: name)
        quoted(value)
    }

    /// A string value of `length` plain ASCII bytes (digits and punctuation: no escaping
    /// needed) that `write` puts in place, returning how many it wrote: amounts, dates
    /// and instants, without making a `String` of each.
    public mutating func ascii(_ name: StaticString?, length: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        key(name)
        reserve(length + 2)
        start[count] = 34
        count += 1
        let written = write(UnsafeMutableBufferPointer(start: start + count, count: length))
        count += min(max(written, 0), length)
        start[count] = 34
        count += 1
    }

    /// An element (or members, after a container's `{`) written whole in place: at most
    /// `length` bytes that `write` puts after the comma the writer needs, returning how
    /// many it wrote. For parts of records that are written often and whose bytes the
    /// caller knows need no escaping (a decision's touches: with a call per member, a
    /// touch was seven calls and as many checks for room).
    public mutating func element(length: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        reserve(length + 1)
        if !first {
            start[count] = 44
            count += 1
        }
        first = false
        let written = write(UnsafeMutableBufferPointer(start: start + count, count: length))
        count += min(max(written, 0), length)
    }

    /// Whether `text` can be written between quotes as it is: no control byte, `"` or `\`.
    public static func needsNoEscape(_ text: UnsafeBufferPointer<UInt8>) -> Bool { isPlain(text) }

    /// A string value that starts with `text` (escaped as JSON needs) and goes on with at
    /// most `length` bytes that `write` puts in place, returning how many it wrote: UTF-8
    /// that needs no escaping (digits, punctuation, `×`), for words about amounts
    /// (`pay …: 10% × 175.76 = 17.58`) without a `String` of them.
    public mutating func string(_ name: StaticString?, _ text: String, thenASCII length: Int,
                                _ write: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        key(name)
        quoted(text)
        count -= 1  // the closing quote: the ASCII bytes go inside the string
        reserve(length + 1)
        let written = write(UnsafeMutableBufferPointer(start: start + count, count: length))
        count += min(max(written, 0), length)
        start[count] = 34
        count += 1
    }

    /// Starts a string member named `name` (or an element) written in parts (`stringPart`
    /// for text, `raw` for plain ASCII without quotes, backslashes or control bytes), then
    /// closed with `endString`: text joined without a `String` made of it (a decision's
    /// outcome names its paid rules: joining them was 3% of rendering a record).
    public mutating func beginString(_ name: StaticString?) {
        key(name)
        put(34)
    }

    /// Text inside the string begun with `beginString`, escaped as any string's text.
    /// Plain text is copied as it is; text that needs escapes is escaped as `quoted`
    /// does, without the quotes around it.
    public mutating func stringPart(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            if JSONWriter.isPlain(utf8) { return put(utf8) }
            var escaped: [UInt8] = []
            JSON.quote(String(decoding: utf8, as: UTF8.self), into: &escaped)
            escaped.withUnsafeBufferPointer { put(UnsafeBufferPointer(rebasing: $0.dropFirst().dropLast())) }
        }
    }

    /// Closes the string begun with `beginString`.
    public mutating func endString() {
        put(34)
    }

    /// A string member, or `null` when there is no value.
    public mutating func optionalString(_ name: StaticString?, _ value: String?) {
        key(name)
        if let value { quoted(value) } else { for byte in "null".utf8 { put(byte) } }
    }

    /// `true` or `false`.
    public mutating func bool(_ name: StaticString?, _ value: Bool) {
        key(name)
        for byte in (value ? "true" : "false").utf8 { put(byte) }
    }
}
