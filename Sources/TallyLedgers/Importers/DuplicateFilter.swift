import Foundation

/// Finds rows identical to an earlier one. Ledgers are usually in time order, so
/// duplicates share a timestamp: only the rows of the current timestamp are kept; if
/// the file goes back in time, every row is kept from then on.
///
/// Rows are compared by their key: the fields back to back, then where each ends (so
/// "a,bc" and "ab,c" differ). A plain line (no quote) is kept as the line itself, one
/// copy, and compared line to line; it is put in key form only to meet a row of the
/// general path in the same second. (Building every click row's key, with a copy per
/// row, was a fifth of loading the reference kit's clicks.)
struct DuplicateFilter {
    private let delimiter: UInt8
    /// The `at` text of the current timestamp's rows.
    private var current: [UInt8] = []
    /// The current timestamp's rows, back to back (with earlier groups' before them).
    private var arena: [UInt8] = []
    private var group: [Entry] = []
    private var seen: [[UInt8]: Int] = [:]
    private var keepAll = false

    private struct Entry {
        var start: Int
        var count: Int
        var line: Int
        /// A plain line as read (true) or a key.
        var isLine: Bool
        /// A hash of its bytes, once a later row of its timestamp needed it (0: not yet).
        var hash: UInt64 = 0
    }

    init(delimiter: UInt8) {
        self.delimiter = delimiter
    }

    /// Whether the rows went back in time at some point.
    var wentBackInTime: Bool { keepAll }

    /// The line of an earlier row with the same key, or nil (and the row remembered).
    mutating func check(_ raw: [UInt8], line: Int, at: String) -> Int? {
        var at = at
        return raw.withUnsafeBufferPointer { raw in at.withUTF8 { check(key: raw, line: line, at: $0) } }
    }

    /// The same for a row given as its key, and its `at` text as bytes.
    /// Rows without a time (referrers, products, rates) are remembered by key over the
    /// whole file: as one group they were compared each with all before (20,000
    /// referrers took most of a second).
    mutating func check(key: UnsafeBufferPointer<UInt8>, line: Int, at: UnsafeBufferPointer<UInt8>) -> Int? {
        if keepAll || at.isEmpty { return remember(Array(key), line: line) }
        if startGroup(at: at) { return check(key: key, line: line, at: at) }
        let hash = group.isEmpty ? 0 : DuplicateFilter.hash(key)
        for index in group.indices {
            let entry = group[index]
            let same: Bool
            if entry.isLine {
                same = keyOfLine(entry) == Array(key)
            } else {
                same = entry.count == key.count && self.hash(of: index) == hash && equal(entry, key)
            }
            if same { return entry.line }
        }
        group.append(Entry(start: arena.count, count: key.count, line: line, isLine: false, hash: hash))
        arena.append(contentsOf: key)
        return nil
    }

    /// The same for a plain line (no quote, split at `delimiters`) and its `at` bytes.
    mutating func check(line text: UnsafeBufferPointer<UInt8>, delimiters: UnsafeBufferPointer<Int>, line: Int, at: UnsafeBufferPointer<UInt8>) -> Int? {
        if keepAll || at.isEmpty { return remember(DuplicateFilter.key(text, delimiters), line: line) }
        if startGroup(at: at) { return check(line: text, delimiters: delimiters, line: line, at: at) }
        // Rows of one timestamp are told apart by a hash before their bytes once there
        // are a few: an export with orders on the hour has dozens a timestamp, and
        // comparing each new row with all of them was a sixth of loading the reference
        // kit's orders. One to three earlier rows are compared byte by byte (rows differ
        // early, in their id): hashing both rows of every second shared by two clicks
        // was 3% of loading the reference kit's clicks.
        let hashed = group.count >= DuplicateFilter.rowsCompared
        let hash = hashed ? DuplicateFilter.hash(text) : 0
        for index in group.indices {
            let entry = group[index]
            let same: Bool
            if entry.isLine {
                same = entry.count == text.count && (!hashed || self.hash(of: index) == hash) && equal(entry, text)
            } else {
                let key = DuplicateFilter.key(text, delimiters)
                same = entry.count == key.count && key.withUnsafeBufferPointer { equal(entry, $0) }
            }
            if same { return entry.line }
        }
        group.append(Entry(start: arena.count, count: text.count, line: line, isLine: true, hash: hash))
        arena.append(contentsOf: text)
        return nil
    }

    /// How many rows of a timestamp a plain line is compared with byte by byte, before
    /// rows are told apart by their hash first.
    static let rowsCompared = 4

    /// Moves to the group of `at`. True when the file went back in time: every row is
    /// remembered from then on (the caller checks the row again).
    private mutating func startGroup(at: UnsafeBufferPointer<UInt8>) -> Bool {
        // By memcmp: the generic comparisons were a tenth of this check.
        let order = current.withUnsafeBufferPointer { now -> Int32 in
            let common = min(now.count, at.count)
            let bytes = common == 0 ? 0 : memcmp(at.baseAddress!, now.baseAddress!, common)
            return bytes != 0 ? bytes : Int32(at.count - now.count).signum()
        }
        guard order != 0 else { return false }
        if !current.isEmpty, !at.isEmpty, order < 0 {
            keepAll = true
            for entry in group { seen[entry.isLine ? keyOfLine(entry) : Array(arena[entry.start..<entry.start + entry.count])] = entry.line }
            group = []
            arena = []
            return true
        }
        // Emptied and refilled in place: `removeAll(keepingCapacity:)` goes through the
        // general `replaceSubrange`, twice a row for a clicks file with a click a second or
        // fewer (3% of loading the reference kit's clicks).
        while group.popLast() != nil {}
        // The arena is emptied only now and then: emptying it for every timestamp cost
        // more than the rows it holds.
        if arena.count > 1 << 20 { arena.removeAll(keepingCapacity: true) }
        if current.count == at.count, let source = at.baseAddress {
            current.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: source, count: at.count) }
        } else {
            current.removeAll(keepingCapacity: true)
            current.append(contentsOf: at)
        }
        return false
    }

    /// The hash of a group entry's bytes, computed the first time it is asked for (the
    /// first row of a timestamp is hashed only when a second one comes).
    private mutating func hash(of index: Int) -> UInt64 {
        if group[index].hash == 0 {
            let entry = group[index]
            group[index].hash = arena.withUnsafeBufferPointer {
                DuplicateFilter.hash(UnsafeBufferPointer(rebasing: $0[entry.start..<entry.start + entry.count]))
            }
        }
        return group[index].hash
    }

    /// A 64-bit hash of bytes, eight at a time; never 0 (0 marks "not computed").
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        let raw = UnsafeRawBufferPointer(bytes)
        var offset = 0
        while offset + 8 <= raw.count {
            hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < raw.count {
            tail |= UInt64(raw[offset]) << shift
            shift += 8
            offset += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 29
        return hash == 0 ? 1 : hash
    }

    private mutating func remember(_ key: [UInt8], line: Int) -> Int? {
        if let earlier = seen[key] { return earlier }
        seen[key] = line
        return nil
    }

    private func equal(_ entry: Entry, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.isEmpty || arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + entry.start, bytes.baseAddress!, bytes.count) == 0 }
    }

    /// The key of a kept plain line: its delimiters are found again (it has no quote).
    private func keyOfLine(_ entry: Entry) -> [UInt8] {
        arena.withUnsafeBufferPointer { bytes in
            let text = UnsafeBufferPointer(rebasing: bytes[entry.start..<entry.start + entry.count])
            let delimiters = text.indices.filter { text[$0] == delimiter }
            return delimiters.withUnsafeBufferPointer { DuplicateFilter.key(text, $0) }
        }
    }

    /// The key of a plain line split at `delimiters`: its fields back to back, then the
    /// end of each (as the general path keys its rows).
    static func key(_ text: UnsafeBufferPointer<UInt8>, _ delimiters: UnsafeBufferPointer<Int>) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(text.count + delimiters.count + 1)
        var start = 0
        for delimiter in delimiters {
            key.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<delimiter]))
            start = delimiter + 1
        }
        key.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...]))
        for (field, delimiter) in delimiters.enumerated() { key.append(UInt8(truncatingIfNeeded: delimiter - field)) }
        key.append(UInt8(truncatingIfNeeded: text.count - delimiters.count))
        return key
    }
}
