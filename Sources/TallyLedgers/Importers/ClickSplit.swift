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
    /// Line ends in each part: at most that many rows (blank lines count too).
    var firstLines: Int
    var secondLines: Int

    var first: Range<Int> { rows..<middle }
    var second: Range<Int> { middle..<size }

    /// Where to cut the file at `path`, or nil when it is small, has quotes, or offers no
    /// cut between two different timestamps near the middle. `atColumn` is the header
    /// position of `at`. `fraction` is the share of the file for the first part. The file
    /// is read a window at a time (see `FileWindow`).
    static func find(path: String, delimiter: UInt8, atColumn: Int, minimumSize: Int, fraction: Double = 0.5) -> ClickSplit? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.intValue, size >= minimumSize, size > 0 else { return nil }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // The header's end, from the file's start.
        guard let headerEnd = FileWindow.read(descriptor, 0..<min(size, 1 << 20), { bytes -> Int? in
            guard bytes[0] != 10, bytes[0] != 13, let found = memchr(bytes.baseAddress!, 10, bytes.count) else { return nil }
            return UnsafeRawPointer(found) - UnsafeRawPointer(bytes.baseAddress!)
        }), let headerEnd else { return nil }
        // The cut, from a window around the target: the first line start after it where
        // the timestamp changes.
        let target = min(size - 1, max(0, Int(Double(size) * fraction)))
        let window = max(headerEnd + 1, target - (1 << 16))..<min(size, target + (4 << 20))
        guard let found = FileWindow.read(descriptor, window, { bytes -> Int? in
            cut(in: bytes, offset: window.lowerBound, target: target, fileSize: size, delimiter: delimiter, atColumn: atColumn)
        }), let cut = found, cut > headerEnd + 1 else { return nil }
        // The line the second part starts on, and no quote anywhere (a quote could hide a
        // line break inside a field): one pass over the file (reading it once for quotes
        // and again up to the cut for line ends took 0.3 s more on the reference kit's
        // large clicks).
        // The line ends of each part are counted too: each part's columns are sized from
        // them before it is read (see `ClickTable.reserveCapacity`).
        var newlines = 0
        func countLines(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard memchr(bytes.baseAddress!, 34, bytes.count) == nil else { return false }
            var position = 0
            while position < bytes.count, let next = memchr(bytes.baseAddress! + position, 10, bytes.count - position) {
                newlines += 1
                position = UnsafeRawPointer(next) - UnsafeRawPointer(bytes.baseAddress!) + 1
            }
            return true
        }
        guard FileWindow.scan(descriptor, 0..<cut, { bytes, _ in countLines(bytes) }) else { return nil }
        let middleLine = newlines + 1
        guard FileWindow.scan(descriptor, cut..<size, { bytes, _ in countLines(bytes) }) else { return nil }
        return ClickSplit(rows: headerEnd + 1, rowsLine: 2, middle: cut, middleLine: middleLine, size: size,
                          firstLines: middleLine - 2, secondLines: newlines + 1 - middleLine + 1)
    }

    /// The cut within `bytes` (the file's bytes from `offset`): the start of the first
    /// line after `target` whose `at` differs from the line before; nil when the window
    /// ends first or the timestamps go back.
    private static func cut(in bytes: UnsafeBufferPointer<UInt8>, offset: Int, target: Int, fileSize: Int, delimiter: UInt8, atColumn: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
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
        let local = target - offset
        guard local >= 0, let middleEnd = lineEnd(from: local) else { return nil }
        var lineStart = local
        while lineStart > 0, base[lineStart - 1] != 10 { lineStart -= 1 }
        // The window may start inside a line: the line holding the target must be whole.
        guard lineStart > 0 || offset == 0 else { return nil }
        var position = middleEnd + 1
        var before = atField(lineStart: lineStart)
        while offset + position < fileSize {
            guard let after = atField(lineStart: position) else { return nil }
            if let known = before, known != after {
                // The halves must follow each other in time (or the file is read whole).
                guard known.lexicographicallyPrecedes(after) else { return nil }
                return offset + position
            }
            before = after
            guard let end = lineEnd(from: position) else { return nil }
            position = end + 1
        }
        return nil
    }
}
