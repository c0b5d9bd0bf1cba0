/// The id of every click. Most ids are plain decimal numbers ("1" to "10000000" in the
/// reference kit): those are kept as the number, 8 bytes a click instead of a 16-byte
/// string (80 MB less for ten million clicks), and made into text again when read. Any
/// other id is kept as text. Ids that count up by one from click to click (an export's
/// auto-increment key, in time order) are kept as their first number alone until one
/// does not: no storage at all, and no memory read when the runner names a touch.
struct ClickIDs: Sendable {
    /// The number of a numeric id; for another id, -1 minus its place in `texts`. Empty
    /// while the ids count up from `first`.
    private var numbers: [Int64] = []
    private var texts: [String] = []
    /// The first id's number while every id is the one before plus one.
    private var first: Int64 = 0
    private(set) var count = 0

    private var countsUp: Bool { numbers.isEmpty && texts.isEmpty }

    /// Whether the ids are kept as their first number alone (for tests).
    var countsUpForTesting: Bool { countsUp }

    subscript(index: Int) -> String {
        precondition(index >= 0 && index < count, "click index out of range")
        let number = countsUp ? first + Int64(index) : numbers[index]
        return number >= 0 ? ClickIDs.text(of: number) : texts[Int(-1 - number)]
    }

    /// The id's number when it is a plain number (see `number(_:)`), nil for an id kept
    /// as text.
    func number(at index: Int) -> Int64? {
        precondition(index >= 0 && index < count, "click index out of range")
        let number = countsUp ? first + Int64(index) : numbers[index]
        return number >= 0 ? number : nil
    }

    /// A non-negative number in decimal, written digit by digit into the string's own
    /// bytes (the runner names every click in every order's lookback: `String(number)`,
    /// generic over integer types, was 5% of evaluating an order).
    static func text(of number: Int64) -> String {
        var digits = 1
        var rest = number / 10
        while rest > 0 { digits += 1; rest /= 10 }
        return String(unsafeUninitializedCapacity: digits) { buffer in
            var value = number
            for place in stride(from: digits - 1, through: 0, by: -1) {
                buffer[place] = UInt8(truncatingIfNeeded: 48 + value % 10)
                value /= 10
            }
            return digits
        }
    }

    /// Appends an id's number (or, below zero, its place in `texts`).
    private mutating func append(number: Int64) {
        if countsUp, number >= 0, number < Int64.max {
            if count == 0 { first = number }
            if number == first + Int64(count) {
                count += 1
                return
            }
        }
        materialize()
        numbers.append(number)
        count += 1
    }

    /// Keeps the number of every id from now on.
    private mutating func materialize() {
        guard countsUp, count > 0 else { return }
        numbers = (0..<Int64(count)).map { first + $0 }
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
        if let number = utf8.withUTF8({ ClickIDs.number($0) }) { append(number: number) } else { appendText(id) }
    }

    /// Appends an id given as UTF-8 bytes.
    mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        if let number = ClickIDs.number(bytes) { append(number: number) } else { appendText(String(decoding: bytes, as: UTF8.self)) }
    }

    private mutating func appendText(_ id: String) {
        materialize()
        numbers.append(-1 - Int64(texts.count))
        texts.append(id)
        count += 1
    }

    /// Appends every id of `other`.
    mutating func append(contentsOf other: ClickIDs) { append(contentsOf: other, range: 0..<other.count) }

    /// Appends the ids of `other` in `range`. Ids that go on counting up by one from the
    /// last (a file read in pieces, the pieces appended in file order) keep no storage.
    mutating func append(contentsOf other: ClickIDs, range: Range<Int>) {
        guard !range.isEmpty else { return }
        if countsUp, let start = other.countingUp(range), count == 0 || start == first + Int64(count) {
            if count == 0 { first = start }
            count += range.count
            return
        }
        materialize()
        numbers.reserveCapacity(numbers.count + range.count)
        for index in range {
            let number = other.countsUp ? other.first + Int64(index) : other.numbers[index]
            if number >= 0 {
                numbers.append(number)
            } else {
                numbers.append(-1 - Int64(texts.count))
                texts.append(other.texts[Int(-1 - number)])
            }
        }
        count += range.count
    }

    /// The first id's number in `range` when the ids there are numbers counting up by one.
    private func countingUp(_ range: Range<Int>) -> Int64? {
        if countsUp { return first + Int64(range.lowerBound) }
        guard let start = numbers[range].first, start >= 0 else { return nil }
        for (offset, number) in numbers[range].enumerated() where number != start + Int64(offset) { return nil }
        return start
    }

    mutating func reserveCapacity(_ capacity: Int) {
        if !countsUp { numbers.reserveCapacity(capacity) }
    }

    /// The ids in the order `order` gives (positions into these).
    func permuted(by order: [Int]) -> ClickIDs {
        var ids = self
        ids.materialize()
        let numbers = ids.numbers
        ids.numbers = order.map { numbers[$0] }
        return ids
    }
}
