import Foundation
import TallyPrefetch

/// Numbers for text keys (customer keys of clicks, referrer ids), looked up by their
/// UTF-8 bytes. Keys with non-ASCII text keep `String` equality (a precomposed é equals
/// e + combining accent), in a dictionary of their own; ASCII keys live in an open-
/// addressing table whose slots hold the key's length and first 11 bytes beside its
/// number, so finding a short key touches one cache line. (With the key compared through
/// the `[String]` of keys, two cache misses per lookup made interning a quarter of
/// loading the reference kit's clicks.)
///
/// Keys written as one prefix and a fixed count of digits (`C00102664`, `R010678`: the
/// form of the first such key, if one of the first 64 keys is) are numbered by their
/// digits' value instead, in an array of 4 bytes a value: 8 MB for the reference kit's
/// 1.7 million customer keys, where the hashed table was 64 MB (see `DigitsForm`). Their
/// place is asked for ahead like a hashed slot (see `prefetch`). The array grows with the
/// values met while it stays dense enough (`growByValue`); a key of the form beyond it
/// goes to the hashed table, and is looked for there when the array does not hold it.
/// Every key is in one place only.
struct KeyInterner: Sendable {
    /// The keys by number.
    private(set) var keys: [String] = []
    /// The form of keys numbered by value (nil until a key with digits at its end came, and
    /// for good when none of the first `keysThatMaySetTheForm` keys had any).
    private(set) var form: DigitsForm?
    /// By a form key's value: its number + 1 (0: no such key), as long as the largest
    /// value numbered by value needs (a power of two).
    private var byValue: [Int32] = []
    /// How many keys are numbered by value.
    private var valued = 0
    /// Keys reserved room for (`reserveCapacity`): the hashed table is sized for them
    /// once it holds more than a few keys.
    private var reserved = 0
    private var unicode: [String: Int32] = [:]
    /// Two words per slot: (number + 1) | length << 32 | bytes 0-2 << 40, then bytes 3-10;
    /// a zero first word is an empty slot. The slot count is a power of two.
    private var slots: [UInt64] = Array(repeating: 0, count: 2 * 1024)
    /// Bytes of keys longer than 11 bytes, back to back, by number (start, count).
    private var longBytes: [UInt8] = []
    private var longRanges: [Int: Range<Int>] = [:]

    var count: Int { keys.count }

    /// The probe words of a key: the slot's words without the number, and its hash.
    private struct Probe {
        var head: UInt64
        var tail: UInt64
        var hash: UInt64
    }

    private static let inline = 11

    private static func probe(_ bytes: UnsafeBufferPointer<UInt8>) -> Probe {
        let count = bytes.count
        // The first 11 bytes as two little-endian words, zero past the key's end (`low`:
        // bytes 0-7, `high`: bytes 8-10), read a word at a time where the key is that long:
        // byte by byte this was 7% of loading the reference kit's clicks, a lookup a row.
        var low: UInt64 = 0, high: UInt64 = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            if count >= 8 {
                low = raw.loadUnaligned(as: UInt64.self)
                for index in 8..<min(count, inline) { high |= UInt64(base[index]) << (8 * UInt64(index - 8)) }
            } else if count >= 4 {
                // Two words of four that overlap where the key is shorter than eight (the
                // bytes they share are the same): a copy through memory stalled the load.
                let first = UInt64(raw.loadUnaligned(as: UInt32.self))
                let last = UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
                low = first | last << (8 * UInt64(count - 4))
            } else {
                for index in 0..<count { low |= UInt64(base[index]) << (8 * UInt64(index)) }
            }
        }
        let head = UInt64(min(count, 255)) << 32 | (low & 0xFF_FFFF) << 40
        let tail = low >> 24 | high << 40
        let rest = count > inline ? UnsafeBufferPointer(rebasing: bytes[inline...]) : UnsafeBufferPointer(start: nil, count: 0)
        return Probe(head: head, tail: tail, hash: hash(head: head, tail: tail, rest: rest))
    }

    /// A key's hash from its slot words (`head` without the number) and the bytes after
    /// its first 11: a key that fits its slot is hashed again from the slot alone.
    private static func hash(head: UInt64, tail: UInt64, rest: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = (head ^ (tail &* 0x9E37_79B9_7F4A_7C15)) &* 0xD6E8_FEB8_6659_FD93
        for byte in rest { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash ^= hash >> 32
        hash = hash &* 0xD6E8_FEB8_6659_FD93
        return hash ^ (hash >> 29)
    }

    /// Whether slot words (`head` with the number masked off) hold the key.
    private func matches(_ slot: Int, _ probe: Probe, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard slots[2 * slot] & ~0xFFFF_FFFF == probe.head, slots[2 * slot + 1] == probe.tail else { return false }
        guard bytes.count > KeyInterner.inline else { return true }
        let number = Int(slots[2 * slot] & 0xFFFF_FFFF) - 1
        guard let range = longRanges[number], range.count == bytes.count else { return false }
        return longBytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + range.lowerBound, bytes.baseAddress!, bytes.count) == 0 }
    }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { UTF8Text.isASCII(bytes) }

    /// Asks for the slot where a key with these bytes would be looked up, to be read
    /// soon (see `TallyPrefetch`): nothing is read or changed.
    /// A key of the form asks for its place in the array by value: the 2 GB of a clicks
    /// file streaming through the cache push the array's 8 MB out of it, and without
    /// the hint every row of the reference kit's clicks waited for memory (interning
    /// took 9.7% of loading's samples against 7.8% for the hashed table it replaced).
    func prefetch(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let value = form?.value(of: bytes) {
            if value < byValue.count { byValue.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + value) } }
            if valued > hashed { return }
        }
        guard bytes.count <= KeyInterner.inline else { return }
        let slot = Int(truncatingIfNeeded: KeyInterner.probe(bytes).hash) & (slots.count / 2 - 1)
        slots.withUnsafeBufferPointer { tally_prefetch($0.baseAddress! + 2 * slot) }
    }

    /// The number of the key with these bytes, if it was interned.
    func number(of bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        if let value = form?.value(of: bytes) {
            if value < byValue.count, byValue[value] != 0 { return byValue[value] - 1 }
            // Interned before the array reached its value, it is in the hashed table.
            return hashed == 0 ? nil : find(bytes, KeyInterner.probe(bytes)).number
        }
        guard KeyInterner.isASCII(bytes) else { return unicode[String(decoding: bytes, as: UTF8.self)] }
        return find(bytes, KeyInterner.probe(bytes)).number
    }

    /// The key's number, or the empty slot where it would go.
    private func find(_ bytes: UnsafeBufferPointer<UInt8>, _ probe: Probe) -> (number: Int32?, slot: Int) {
        let mask = slots.count / 2 - 1
        var slot = Int(truncatingIfNeeded: probe.hash) & mask
        while slots[2 * slot] != 0 {
            if matches(slot, probe, bytes) { return (Int32(truncatingIfNeeded: slots[2 * slot] & 0xFFFF_FFFF) - 1, slot) }
            slot = (slot + 1) & mask
        }
        return (nil, slot)
    }

    func number(of key: String) -> Int32? {
        var key = key
        return key.withUTF8 { number(of: $0) }
    }

    /// The number of the key with these bytes, interning it (as `text()`) when new.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, text: () -> String) -> Int32 {
        // The first key with digits at its end sets the form, if one of the first few
        // keys has them: the keys of a table without (channels, campaigns) are then not
        // looked at again for every row.
        if form == nil, keys.count < KeyInterner.keysThatMaySetTheForm { form = DigitsForm(of: bytes) }
        if let value = form?.value(of: bytes) {
            if value < byValue.count, byValue[value] != 0 { return byValue[value] - 1 }
            // A key in the form is numbered by value where the array reaches (or may grow
            // to) its value, and hashed otherwise: one interned before the array reached
            // its value is found there.
            if hashed > 0, let known = find(bytes, KeyInterner.probe(bytes)).number { return known }
            if value < byValue.count || growByValue(toHold: value) {
                let number = Int32(keys.count)
                keys.append(text())
                byValue[value] = number + 1
                valued += 1
                return number
            }
        }
        guard KeyInterner.isASCII(bytes) else {
            let key = text()
            if let known = unicode[key] { return known }
            let number = Int32(keys.count)
            keys.append(key)
            unicode[key] = number
            return number
        }
        let probe = KeyInterner.probe(bytes)
        var (known, slot) = find(bytes, probe)
        if let known { return known }
        if (hashed + 1) * 2 > slots.count / 2 {
            grow()
            slot = find(bytes, probe).slot
        }
        let number = Int32(keys.count)
        keys.append(text())
        if bytes.count > KeyInterner.inline {
            longRanges[Int(number)] = longBytes.count..<longBytes.count + bytes.count
            longBytes.append(contentsOf: bytes)
        }
        slots[2 * slot] = probe.head | UInt64(number + 1)
        slots[2 * slot + 1] = probe.tail
        return number
    }

    mutating func intern(_ key: String) -> Int32 {
        var utf8 = key
        return utf8.withUTF8 { bytes in intern(bytes) { key } }
    }

    /// The numbers of `keys`, interning each that is new, in order. Each key's slot is
    /// asked for eight keys ahead (see `prefetch`): joining the pieces of a clicks file
    /// interns the million customer keys of those read from the end into the other table,
    /// a cache miss each, on one core while the other waits.
    mutating func intern(all keys: [String]) -> [Int32] {
        let ahead = 8
        for index in 0..<min(ahead, keys.count) {
            var key = keys[index]
            key.withUTF8 { prefetch($0) }
        }
        var numbers: [Int32] = []
        numbers.reserveCapacity(keys.count)
        for index in keys.indices {
            if index + ahead < keys.count {
                var key = keys[index + ahead]
                key.withUTF8 { prefetch($0) }
            }
            numbers.append(intern(keys[index]))
        }
        return numbers
    }

    /// Room for `count` keys in all without growing (never less room than there is).
    /// For a table that will hold about as many keys as another already does: grown from
    /// empty, a table of a million keys is zeroed and filled again at every doubling.
    /// The hashed table is sized when it holds a few keys already (or now, if it does):
    /// most keys may be numbered by value, and 64 MB of slots zeroed for nothing is as
    /// slow to touch as a doubling.
    mutating func reserveCapacity(_ count: Int) {
        keys.reserveCapacity(count)
        reserved = max(reserved, count)
        if hashed >= KeyInterner.hashedBeforeReserving { grow(toHold: reserved) }
    }

    /// Keys in the hashed table (not numbered by value, not Unicode).
    private var hashed: Int { keys.count - unicode.count - valued }

    private static let hashedBeforeReserving = 1024

    /// How many keys may come before the one that sets the form (see `intern`).
    static let keysThatMaySetTheForm = 64

    /// Slots for twice `count` keys (see `intern`), a power of two.
    private mutating func grow(toHold count: Int) {
        var slotCount = slots.count / 2
        while (count + 1) * 2 > slotCount { slotCount *= 2 }
        if slotCount > slots.count / 2 { grow(to: slotCount) }
    }

    /// Grows the array by value to hold `value` (a power of two past it), if that keeps
    /// it at least a sixteenth full or within 16 MB: sparse values (order ids 10000001,
    /// 20000001, … of a few hundred thousand orders) would leave it mostly empty. (Within
    /// 4 MB, the reference kit's customer keys above a million were hashed until enough
    /// keys had come, and every new key was then looked for in the hashed table too.)
    private mutating func growByValue(toHold value: Int) -> Bool {
        let size = max(1024, 1 << (Int.bitWidth - value.leadingZeroBitCount))
        guard size <= max(1 << 22, 16 * (valued + 1)) else { return false }
        var grown: [Int32] = HugePages.zeroed(count: size)
        grown.withUnsafeMutableBufferPointer { grown in
            byValue.withUnsafeBufferPointer { old in _ = grown.initialize(from: old) }
        }
        byValue = grown
        return true
    }

    /// Doubles the slots (see `grow(to:)`), or makes room for the keys reserved for.
    private mutating func grow() {
        if reserved > 0, hashed >= KeyInterner.hashedBeforeReserving, (reserved + 1) * 2 > slots.count / 2 {
            grow(toHold: reserved)
        } else {
            grow(to: slots.count)
        }
    }

    /// Moves the keys to `slotCount` slots, a larger power of two. Keys are hashed again
    /// from the old slots (their first 11 bytes are there; longer keys' other bytes are
    /// in `longBytes`), not from `keys`: reading a `String` per key made growing a
    /// twentieth of loading the reference kit's clicks.
    private mutating func grow(to slotCount: Int) {
        let old = slots
        slots = HugePages.zeroed(count: slotCount * 2)
        let mask = slots.count / 2 - 1
        longBytes.withUnsafeBufferPointer { longBytes in
            for oldSlot in 0..<old.count / 2 where old[2 * oldSlot] != 0 {
                let word = old[2 * oldSlot], tail = old[2 * oldSlot + 1]
                let head = word & ~0xFFFF_FFFF
                let number = Int(word & 0xFFFF_FFFF) - 1
                var rest = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
                if (head >> 32) & 0xFF > UInt64(KeyInterner.inline), let range = longRanges[number] {
                    rest = UnsafeBufferPointer(rebasing: longBytes[range.lowerBound + KeyInterner.inline..<range.upperBound])
                }
                var slot = Int(truncatingIfNeeded: KeyInterner.hash(head: head, tail: tail, rest: rest)) & mask
                while slots[2 * slot] != 0 { slot = (slot + 1) & mask }
                slots[2 * slot] = word
                slots[2 * slot + 1] = tail
            }
        }
    }
}

/// The written form of keys that are a prefix and a fixed count of digits: `C00102664`
/// is `C` and 8 digits. A key is in the form when it has the same prefix and as many
/// digits; keys in the form are equal exactly when their values are, so the value can
/// stand for the key. Values from `limit` up are left to the hashed table (so the array
/// by value never passes 64 MB).
struct DigitsForm: Equatable, Sendable {
    /// The prefix's bytes, little-endian (at most 8).
    let prefix: UInt64
    let prefixCount: Int
    let width: Int

    static let limit = 1 << 24

    /// The form of `bytes`: the bytes before the digits at its end, and how many digits
    /// (nil without digits at the end, with a prefix over 8 bytes or not ASCII, or with
    /// over 18 digits).
    init?(of bytes: UnsafeBufferPointer<UInt8>) {
        var digits = 0
        while digits < bytes.count, bytes[bytes.count - 1 - digits] &- 48 <= 9 { digits += 1 }
        let prefixCount = bytes.count - digits
        guard digits > 0, digits <= 18, prefixCount <= 8 else { return nil }
        var prefix: UInt64 = 0
        for index in 0..<prefixCount { prefix |= UInt64(bytes[index]) << (8 * UInt64(index)) }
        // ASCII only: a key in the form is then ASCII, equal to another only byte for
        // byte (`é1` equals `e` + accent + `1` as text, and is left to the Unicode table).
        guard prefix & 0x8080_8080_8080_8080 == 0 else { return nil }
        self.prefix = prefix
        self.prefixCount = prefixCount
        self.width = digits
    }

    /// The value of a key in this form (below `limit`), or nil.
    @inline(__always)
    func value(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count == prefixCount + width, let base = bytes.baseAddress else { return nil }
        var head: UInt64 = 0
        for index in 0..<prefixCount { head |= UInt64(base[index]) << (8 * UInt64(index)) }
        guard head == prefix else { return nil }
        var value = 0
        for index in prefixCount..<bytes.count {
            let digit = base[index] &- 48
            guard digit <= 9 else { return nil }
            value = value &* 10 &+ Int(digit)
        }
        return value < DigitsForm.limit ? value : nil
    }
}
