import Foundation
import TallyLedgers

/// A re-derived decision ledger compared with the recorded file as its records are
/// chained, record by record, without holding either (`tally verify`): whether the two
/// are the same bytes, how many records each has, both headers, and the first record
/// after the header whose content (the record without its chain members) differs.
///
/// Used on the renderer's thread only while the run lasts, and read once it is done.
public final class LedgerComparison: @unchecked Sendable {
    private let recorded: LedgerLines
    private var recordedLeft = true
    /// Whether every byte so far is the same.
    public private(set) var identical = true
    /// Records of each side seen so far (all of them once `finish` ran).
    public private(set) var recordedCount = 0
    public private(set) var rederivedCount = 0
    /// The first line of each side, as it is.
    public private(set) var recordedHeader: [UInt8]?
    public private(set) var rederivedHeader: [UInt8]?
    /// The first record after the header whose content differs: its index (0 is the
    /// header) and both lines, as they are.
    public private(set) var firstDifference: (index: Int, recorded: [UInt8], rederived: [UInt8])?
    /// Why the recorded file could not be read to its end, if it could not.
    public var problem: String? { recorded.problem }

    /// A comparison with the recorded ledger at `path`; nil when it cannot be opened.
    public init?(recorded path: String) {
        guard let lines = LedgerLines(path: path) else { return nil }
        recorded = lines
    }

    /// Compares the next re-derived records: whole lines, each with its line end.
    func compare(_ records: UnsafeRawBufferPointer) {
        guard let base = records.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var start = 0
        while start < records.count {
            let end = memchr(base + start, 10, records.count - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? records.count
            compare(line: UnsafeBufferPointer(start: base + start, count: end - start))
            start = end + 1
        }
    }

    private func compare(line rederived: UnsafeBufferPointer<UInt8>) {
        let index = rederivedCount
        rederivedCount += 1
        guard recordedLeft, let line = recorded.next() else {
            recordedLeft = false
            identical = false
            return
        }
        recordedCount += 1
        if index == 0 {
            recordedHeader = Array(line)
            rederivedHeader = Array(rederived)
        }
        // Once a content difference is known, the rest is only counted.
        guard firstDifference == nil else { return }
        if identical, !LedgerComparison.same(line, rederived) { identical = false }
        if !identical, index > 0, !LedgerComparison.same(LedgerComparison.content(line), LedgerComparison.content(rederived)) {
            firstDifference = (index, Array(line), Array(rederived))
        }
    }

    /// Reads what is left of the recorded file, once every re-derived record came.
    func finish() {
        while recordedLeft, recorded.next() != nil {
            recordedCount += 1
            identical = false
        }
        recordedLeft = false
        // The re-derived ledger ends with a line end; a recorded one that does not differs.
        if !recorded.lastHadLineEnd || recordedCount != rederivedCount || recorded.problem != nil { identical = false }
    }

    private static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    /// A record without its chain members: the bytes before its last `,"prev":"` (the
    /// whole line when it has none), as `Verification.content` reads a line.
    static func content(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let marker: StaticString = ",\"prev\":\""
        let length = marker.utf8CodeUnitCount
        guard let base = line.baseAddress, line.count >= length else { return line }
        var start = line.count - length
        while start >= 0 {
            if base[start] == 44, memcmp(base + start, marker.utf8Start, length) == 0 {
                return UnsafeBufferPointer(start: base, count: start)
            }
            start -= 1
        }
        return line
    }
}
