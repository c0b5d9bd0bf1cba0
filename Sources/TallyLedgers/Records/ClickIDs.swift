/// The id of every click. Most ids are plain decimal numbers ("1" to "10000000" in the
/// reference kit): those are kept as the number, 8 bytes a click instead of a 16-byte
/// string (80 MB less for ten million clicks), and made into text again when read. Any
/// other id is kept as text.
struct ClickIDs: Sendable {
    /// The number of a numeric id; for another id, -1 minus its place in `texts`.
    private var numbers: [Int64] = []
    private var texts: [String] = []

    var count: Int { numbers.count }

    subscript(index: Int) -> String {
        let number = numbers[index]
        return number >= 0 ? String(number) : texts[Int(-1 - number)]
    }

    /// The id's number when its text is the number written plainly (digits only, no
    /// leading zero, at most 18 digits), so that the text comes back byte for byte.
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 18, bytes[0] != 48 || bytes.count == 1 else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        return value
    }

    mutating func append(_ id: String) {
        var utf8 = id
        if let number = utf8.withUTF8({ ClickIDs.number($0) }) { numbers.append(number) } else { appendText(id) }
    }

    /// Appends an id given as UTF-8 bytes.
    mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        if let number = ClickIDs.number(bytes) { numbers.append(number) } else { appendText(String(decoding: bytes, as: UTF8.self)) }
    }

    private mutating func appendText(_ id: String) {
        numbers.append(-1 - Int64(texts.count))
        texts.append(id)
    }

    mutating func append(contentsOf other: ClickIDs) {
        let shift = Int64(texts.count)
        numbers += other.numbers.map { $0 >= 0 ? $0 : $0 - shift }
        texts += other.texts
    }

    mutating func reserveCapacity(_ capacity: Int) { numbers.reserveCapacity(capacity) }

    /// The ids in the order `order` gives (positions into these).
    func permuted(by order: [Int]) -> ClickIDs {
        var ids = self
        ids.numbers = order.map { numbers[$0] }
        return ids
    }
}
