import Foundation

/// A large clicks file read in pieces on two cores. Loading the clicks is the long
/// branch of loading (10 million rows take about 10 s on one core, the orders beside them
/// 4 s): one core takes pieces from the file's start, the other, once the orders are in,
/// from its end, until they meet. Which core reads how much is settled as they go, so
/// both finish together however busy the machine is. (Cut once in two parts sized in
/// advance, either core was often idle for 0.6 s at the end, one time and then the other,
/// on the reference kit's large data.)
///
/// A file is cut only where that cannot change the result: each cut falls between two
/// lines with different `at` values (exact duplicates share their timestamp, so none
/// straddles a cut), and a file with a quote anywhere is read whole (a quote could hide a
/// line end inside a field): the pieces' readers report any quote they meet, and a first
/// look at the file's start saves the work where quotes are the rule. When the pieces show
/// the file is not in time order, duplicate detection needs the whole file: the loader
/// then reads it again in one piece.
///
/// Finding the cuts reads a few windows of the file, not the whole of it: the pieces
/// learn their line numbers as they are read (the core reading from the start knows where
/// each of its pieces starts; the other's are numbered once the pieces before them are
/// counted, see `LedgerLoader.join`). A first pass over the whole file that counted every
/// piece's lines took 0.7 s of a core on the reference kit's large data before either
/// core could start.
struct ClickSplit: Sendable {
    /// The pieces' bytes, in file order: together every byte after the header.
    var pieces: [Range<Int>]

    /// About how many rows the file holds, from the lines of its first megabyte (with a
    /// margin): every piece's columns are sized for them all before the first is read
    /// (see `ClickTable.reserveCapacity`; room never written takes no memory).
    var estimatedRows: Int

    /// The line the first piece starts on (the header is line 1).
    static let firstLine = 2

    /// How many pieces a large file is cut into: small enough that the cores finish within
    /// a piece of each other (a 2 GB file, some 0.15 s of reading a piece), few enough
    /// that finding the cuts stays cheap (a look at 4 MB around each).
    static let pieceCount = 32

    /// Where to cut the file at `path`, or nil when it is small, has a quote near its
    /// start, or offers no cut between two different timestamps. `atColumn` is the header
    /// position of `at`. Pieces are about equal in bytes; a cut that cannot be found joins
    /// two of them. The file is read a window at a time (see `FileWindow`).
    static func find(path: String, delimiter: UInt8, atColumn: Int, minimumSize: Int, pieces count: Int = pieceCount) -> ClickSplit? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.intValue, size >= minimumSize, size > 0 else { return nil }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // The header's end and the length of the lines after it, from the file's start.
        guard let start = FileWindow.read(descriptor, 0..<min(size, 1 << 20), { bytes -> (headerEnd: Int, lineEnds: Int, quote: Bool)? in
            guard bytes[0] != 10, bytes[0] != 13, let found = memchr(bytes.baseAddress!, 10, bytes.count) else { return nil }
            let headerEnd = UnsafeRawPointer(found) - UnsafeRawPointer(bytes.baseAddress!)
            let rest = UnsafeBufferPointer(rebasing: bytes[(headerEnd + 1)...])
            let quote = !rest.isEmpty && memchr(rest.baseAddress!, 34, rest.count) != nil
            return (headerEnd, rest.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }, quote)
        }), let start, !start.quote else { return nil }
        let headerEnd = start.headerEnd
        // Each cut, from a window around its target: the first line start after it where
        // the timestamp changes.
        var cuts: [Int] = []
        for piece in 1..<max(2, count) {
            let target = min(size - 1, max(0, size / max(2, count) * piece))
            guard target > (cuts.last ?? headerEnd + 1) else { continue }
            let window = max(headerEnd + 1, target - (1 << 16))..<min(size, target + (4 << 20))
            guard let found = FileWindow.read(descriptor, window, { bytes -> Int? in
                cut(in: bytes, offset: window.lowerBound, target: target, fileSize: size, delimiter: delimiter, atColumn: atColumn)
            }), let cut = found, cut > (cuts.last ?? headerEnd + 1) else { continue }
            cuts.append(cut)
        }
        guard !cuts.isEmpty else { return nil }
        let bounds = [headerEnd + 1] + cuts + [size]
        // Rows: the bytes after the header at the first megabyte's bytes per line, a
        // tenth more for lines shorter than those (an estimate short of the rows only
        // costs the columns' growing by doubling).
        let sampled = min(size, 1 << 20) - (headerEnd + 1)
        let rows = start.lineEnds == 0 ? 1024 : (size - headerEnd - 1) / max(1, sampled / start.lineEnds) * 11 / 10 + 1024
        return ClickSplit(pieces: zip(bounds, bounds.dropFirst()).map { $0..<$1 }, estimatedRows: rows)
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
