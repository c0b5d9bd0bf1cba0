import Foundation

/// A large clicks file read in two parts on two cores. Loading the clicks is the long
/// branch of loading (10 million rows take about 10 s on one core, the orders beside them
/// 4 s), so a part of it goes to the core once the orders are loaded: the parts are sized
/// so that both cores finish together.
///
/// A file is cut only where that cannot change the result: it has no quote at all (so
/// every line is one row), and the cut falls between two lines with different `at`
/// values (exact duplicates share their timestamp, so none straddles the cut). When the
/// halves show the file is not in time order, duplicate detection needs the whole file:
/// the loader then reads it again in one piece.
struct ClickSplit: Sendable {
    /// Where the rows after the header start, and the line they are on.
    var rows: Int
    var rowsLine: Int
    /// Where the second half starts, and the line it is on.
    var middle: Int
    var middleLine: Int
    var size: Int

    var first: Range<Int> { rows..<middle }
    var second: Range<Int> { middle..<size }

    /// Where to cut the file at `path`, or nil when it is small, has quotes, or offers no
    /// cut between two different timestamps. `atColumn` is the header position of `at`.
    /// `fraction` is the share of the file for the first part.
    static func find(path: String, delimiter: UInt8, atColumn: Int, minimumSize: Int, fraction: Double = 0.5) -> ClickSplit? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.intValue, size >= minimumSize, size > 0,
              let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes { raw -> ClickSplit? in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            let count = raw.count
            // A quote anywhere could hide a line break inside a field.
            guard memchr(base, 34, count) == nil, base[0] != 10, base[0] != 13 else { return nil }
            func lineEnd(from start: Int) -> Int? {
                guard start < count, let found = memchr(base + start, 10, count - start) else { return nil }
                return UnsafeRawPointer(found) - UnsafeRawPointer(base)
            }
            func atField(lineStart: Int) -> [UInt8]? {
                guard let end = lineEnd(from: lineStart) else { return nil }
                var field = 0, start = lineStart
                for index in lineStart..<end where base[index] == delimiter {
                    if field == atColumn { return Array(UnsafeBufferPointer(start: base + start, count: index - start)) }
                    field += 1
                    start = index + 1
                }
                guard field == atColumn else { return nil }
                var stop = end
                if stop > start, base[stop - 1] == 13 { stop -= 1 }
                return Array(UnsafeBufferPointer(start: base + start, count: stop - start))
            }
            let target = min(count - 1, max(0, Int(Double(count) * fraction)))
            guard let headerEnd = lineEnd(from: 0), let middleEnd = lineEnd(from: target) else { return nil }
            // Move the cut forward until the timestamp changes across it.
            var cut = middleEnd + 1
            var before = atField(lineStart: memrchrLine(base, before: target))
            while cut < count {
                guard let after = atField(lineStart: cut) else { return nil }
                if let known = before, known != after {
                    // The halves must follow each other in time (or the file is read whole).
                    guard known.lexicographicallyPrecedes(after) else { return nil }
                    break
                }
                before = after
                guard let end = lineEnd(from: cut) else { return nil }
                cut = end + 1
            }
            guard cut < count, cut > headerEnd + 1 else { return nil }
            var newlines = 0
            var position = 0
            while position < cut, let end = lineEnd(from: position), end < cut {
                newlines += 1
                position = end + 1
            }
            return ClickSplit(rows: headerEnd + 1, rowsLine: 2, middle: cut, middleLine: newlines + 1, size: count)
        }
    }

    /// The start of the line holding byte `offset`.
    private static func memrchrLine(_ base: UnsafePointer<UInt8>, before offset: Int) -> Int {
        var index = offset
        while index > 0, base[index - 1] != 10 { index -= 1 }
        return index
    }
}
