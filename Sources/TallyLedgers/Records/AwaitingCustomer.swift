/// A click appended before its customer key was numbered: the key's bytes, kept until
/// the next row has been read. The fast click path asks for the key's slot when it reads
/// a row and numbers the key a row later, when the slot has arrived: numbered in the same
/// row, every row of the reference kit's large clicks waited for memory there (72% of
/// interning's samples on the one load of the slot, interning and its hint 7% of a run's
/// samples). Keys are numbered in row order all the same, so numbers do not change.
struct AwaitingCustomer {
    /// The click's row in the table.
    var row: Int
    /// The key's bytes (the first `count` of these 32).
    private var key: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var count: Int

    /// Keys longer than this are numbered at once.
    static let longest = 32

    /// The key of click `row`, copied: nil when it is longer than `longest`. Copied as
    /// whole words read from the key (the last one ending at its last byte, shifted into
    /// place), never past it: copied byte-wise by `memcpy`, the words read back at once
    /// waited for the bytes' stores to drain (9% of the fast click path's own samples).
    init?(row: Int, key bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        guard count <= AwaitingCustomer.longest else { return nil }
        self.row = row
        self.count = count
        guard let base = bytes.baseAddress else { return }
        let raw = UnsafeRawPointer(base)
        /// Bytes `8 * index ..< 8 * index + 8` of the key as a little-endian word, zero past its end.
        func word(_ index: Int) -> UInt64 {
            let start = 8 * index
            if count >= start + 8 { return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)) }
            if count <= start { return 0 }
            if count >= 8 {
                let last = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
                return last >> UInt64(8 * (start + 8 - count))
            }
            var value: UInt64 = 0
            for offset in 0..<count { value |= UInt64(base[offset]) << UInt64(8 * offset) }
            return value
        }
        key = (word(0), word(1), word(2), word(3))
    }

    /// Calls `body` with the key's bytes.
    func withKey<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var words = (UInt64(littleEndian: key.0), UInt64(littleEndian: key.1), UInt64(littleEndian: key.2), UInt64(littleEndian: key.3))
        return withUnsafeBytes(of: &words) { room in body(UnsafeBufferPointer(rebasing: room.bindMemory(to: UInt8.self)[..<count])) }
    }
}

extension ClickTable {
    /// Numbers the customer key of a click appended while it awaited its number.
    mutating func numberCustomer(of awaiting: AwaitingCustomer) {
        let number = awaiting.withKey { internCustomer($0) }
        setCustomerIndex(number, of: awaiting.row)
    }
}
