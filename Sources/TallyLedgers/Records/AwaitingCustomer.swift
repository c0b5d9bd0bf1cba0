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

    /// The key of click `row`, copied: nil when it is longer than `longest`.
    init?(row: Int, key bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= AwaitingCustomer.longest else { return nil }
        self.row = row
        count = bytes.count
        withUnsafeMutableBytes(of: &key) { room in
            if let base = bytes.baseAddress { room.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
        }
    }

    /// Calls `body` with the key's bytes.
    func withKey<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withUnsafeBytes(of: key) { room in body(UnsafeBufferPointer(rebasing: room.bindMemory(to: UInt8.self)[..<count])) }
    }
}

extension ClickTable {
    /// Numbers the customer key of a click appended while it awaited its number.
    mutating func numberCustomer(of awaiting: AwaitingCustomer) {
        let number = awaiting.withKey { internCustomer($0) }
        setCustomerIndex(number, of: awaiting.row)
    }
}
