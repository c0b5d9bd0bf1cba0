import Foundation

/// Numbers for text keys (customer keys of clicks), looked up by their UTF-8 bytes:
/// open addressing over an FNV-1a hash, so a key already seen costs no `String` and no
/// SipHash. Interning was a sixth of loading the reference kit's clicks through a
/// `[String: Int32]` dictionary. Keys with non-ASCII text keep `String` equality (a
/// precomposed é equals e + combining accent), in a dictionary of their own.
struct KeyInterner: Sendable {
    /// The keys by number.
    private(set) var keys: [String] = []
    private var unicode: [String: Int32] = [:]
    /// Key number + 1 per slot, 0 for an empty slot; the capacity is a power of two.
    private var slots: [Int32] = Array(repeating: 0, count: 1024)

    var count: Int { keys.count }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash ^ (hash >> 29)
    }

    private static func equal(_ key: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var key = key
        return key.withUTF8 { $0.count == bytes.count && (bytes.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0) }
    }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { UTF8Text.isASCII(bytes) }

    /// The number of the key with these bytes, if it was interned.
    func number(of bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard KeyInterner.isASCII(bytes) else { return unicode[String(decoding: bytes, as: UTF8.self)] }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: KeyInterner.hash(bytes)) & mask
        while slots[slot] != 0 {
            let number = slots[slot] - 1
            if KeyInterner.equal(keys[Int(number)], bytes) { return number }
            slot = (slot + 1) & mask
        }
        return nil
    }

    func number(of key: String) -> Int32? {
        var key = key
        return key.withUTF8 { number(of: $0) }
    }

    /// The number of the key with these bytes, interning it (as `text()`) when new.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, text: () -> String) -> Int32 {
        if let known = number(of: bytes) { return known }
        guard KeyInterner.isASCII(bytes) else {
            let key = text()
            let number = Int32(keys.count)
            keys.append(key)
            unicode[key] = number
            return number
        }
        if (keys.count + 1) * 2 > slots.count { grow() }
        let number = Int32(keys.count)
        keys.append(text())
        place(number, hash: KeyInterner.hash(bytes))
        return number
    }

    mutating func intern(_ key: String) -> Int32 {
        var utf8 = key
        return utf8.withUTF8 { bytes in intern(bytes) { key } }
    }

    private mutating func place(_ number: Int32, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = number + 1
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        for number in keys.indices {
            var key = keys[number]
            guard let hash = key.withUTF8({ KeyInterner.isASCII($0) ? KeyInterner.hash($0) : nil }) else { continue }
            place(Int32(number), hash: hash)
        }
    }
}
