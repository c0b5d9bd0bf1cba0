import TallyLineScan
import TallyTestSupport
import XCTest

/// The one-pass line scan (`tally_scan_line`) finds what a byte-by-byte reading finds:
/// the line's end, every delimiter before it, a quote, a byte outside ASCII. Lines of
/// every length around the scan's 16-byte blocks, with the special bytes at every place
/// in a block, in buffers that end without a line end (the scan must not read past them).
final class LineScanTests: XCTestCase {
    private struct Expected: Equatable {
        var newline: Int
        var delimiters: [Int]
        var quote: Bool
        var nonASCII: Bool
    }

    private func reference(_ bytes: [UInt8], delimiter: UInt8) -> Expected {
        var expected = Expected(newline: -1, delimiters: [], quote: false, nonASCII: false)
        for (index, byte) in bytes.enumerated() {
            if byte == 10 { expected.newline = index; break }
            if byte == 34 { expected.quote = true }
            if byte >= 128 { expected.nonASCII = true }
            if byte == delimiter { expected.delimiters.append(index) }
        }
        return expected
    }

    private func scan(_ bytes: [UInt8], delimiter: UInt8, capacity: Int) -> Expected {
        // The bytes alone in an allocation of their exact size: a read past them is caught
        // by the address sanitizer, and reads garbage otherwise.
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        defer { buffer.deallocate() }
        _ = buffer.initialize(from: bytes)
        var found = [Int](repeating: -7, count: capacity)
        let result = found.withUnsafeMutableBufferPointer {
            tally_scan_line(buffer.baseAddress!, bytes.count, delimiter, $0.baseAddress!, capacity)
        }
        XCTAssertTrue(found[min(result.delimiters, capacity)...].allSatisfy { $0 == -7 }, "nothing written past the delimiters found")
        return Expected(newline: result.newline, delimiters: Array(found[..<min(result.delimiters, capacity)]),
                        quote: result.quote, nonASCII: result.nonASCII)
    }

    func testSpecialBytesAtEveryPlaceOfEveryLength() {
        for length in 0...70 {
            for place in 0..<max(length, 1) {
                for special: UInt8 in [10, 34, 44, 200, 0, 9] {
                    var bytes = [UInt8](repeating: 97, count: length)
                    if place < length { bytes[place] = special }
                    for delimiter: UInt8 in [44, 9] {
                        XCTAssertEqual(scan(bytes, delimiter: delimiter, capacity: 128), reference(bytes, delimiter: delimiter),
                                       "length \(length), byte \(special) at \(place), delimiter \(delimiter)")
                    }
                }
            }
        }
    }

    func testRandomLinesMatchTheByteByByteReading() {
        var random = SeededRandom(seed: 20261127)
        let alphabet: [UInt8] = [97, 98, 44, 44, 44, 10, 34, 13, 0, 9, 195, 169, 255, 48]
        for _ in 0..<3000 {
            let length = random.below(300)
            let bytes = (0..<length).map { _ in alphabet[random.below(alphabet.count)] }
            let delimiter: UInt8 = random.below(4) == 0 ? 9 : 44
            let capacity = [0, 1, 3, 128][random.below(4)]
            var expected = reference(bytes, delimiter: delimiter)
            let all = expected.delimiters.count
            expected.delimiters = Array(expected.delimiters.prefix(capacity))
            let result = scan(bytes, delimiter: delimiter, capacity: capacity)
            XCTAssertEqual(result, expected, "\(bytes)")
            // The count is of all delimiters, even those past the room given.
            var count = 0
            _ = bytes.withUnsafeBufferPointer { bytes in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 1) { room in
                    count = tally_scan_line(bytes.baseAddress, bytes.count, delimiter, room.baseAddress!, 0).delimiters
                }
            }
            XCTAssertEqual(count, all)
        }
    }
}
