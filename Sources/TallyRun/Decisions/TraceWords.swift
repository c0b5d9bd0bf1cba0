import TallyValues

/// The words of a trace entry put together in one string of known size: texts, amounts
/// and rates written straight into its bytes. Interpolating them (`"\(text): \(rate)% ×
/// \(base) = \(amount)"`) made a string of each amount and grew the result as it went,
/// for every rule paid on every decision (a twentieth of evaluating an order).
struct TraceWords {
    private var buffer: UnsafeMutableBufferPointer<UInt8>
    private var count = 0

    /// The text `write` puts together in at most `capacity` bytes: the caller counts
    /// texts whole and an amount as at most 42 bytes (an Int64 significand with a scale
    /// of up to 20); writing past `capacity` is a programming error and stops.
    static func make(capacity: Int, _ write: (inout TraceWords) -> Void) -> String {
        String(unsafeUninitializedCapacity: capacity) { buffer in
            var words = TraceWords(buffer: buffer)
            write(&words)
            return words.count
        }
    }

    private init(buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add($0) }
    }

    mutating func add(_ text: StaticString) {
        text.withUTF8Buffer { add($0) }
    }

    private mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= buffer.count - count, "trace words longer than their capacity")
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        _ = UnsafeMutableBufferPointer(rebasing: buffer[count..<count + bytes.count]).update(fromContentsOf: UnsafeBufferPointer(start: base, count: bytes.count))
        count += bytes.count
    }

    /// An amount as `description` words it (`12.50`, `-3.00`, `1200`).
    mutating func add(_ decimal: ExactDecimal) {
        if decimal.scale > 0 {
            precondition(decimal.textLength <= buffer.count - count, "trace words longer than their capacity")
            count += decimal.write(into: UnsafeMutableBufferPointer(rebasing: buffer[count...]))
        } else {
            add(decimal.description)
        }
    }
}
