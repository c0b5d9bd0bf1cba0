/// The line of every click in its file, kept as runs: a click whose line follows the one
/// before's adds nothing. Lines count up by one from row to row except where a row was
/// rejected, a duplicate skipped or a file cut into pieces, so ten million clicks keep a
/// few dozen runs instead of 4 bytes each (40 MB for the reference kit's large data, and
/// as much again copied when the pieces are joined).
struct ClickLines: Sendable {
    /// The click each run starts at, and that click's line, in click order.
    private var starts: [Int32] = []
    private var firstLines: [Int32] = []
    private(set) var count = 0

    /// The line of click `index`.
    subscript(index: Int) -> Int32 {
        precondition(index >= 0 && index < count, "click index out of range")
        // The last run starting at or before the click.
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if Int(starts[middle]) <= index { low = middle } else { high = middle - 1 }
        }
        return firstLines[low] + Int32(truncatingIfNeeded: index - Int(starts[low]))
    }

    mutating func append(_ line: Int32) {
        if let first = firstLines.last, let start = starts.last, Int(first) + (count - Int(start)) == Int(line) {
            count += 1
            return
        }
        starts.append(Int32(truncatingIfNeeded: count))
        firstLines.append(line)
        count += 1
    }

    /// Appends the lines of `other`'s clicks in `range`, each moved on by `offset`.
    mutating func append(contentsOf other: ClickLines, range: Range<Int>, offset: Int = 0) {
        guard !range.isEmpty else { return }
        // Run by run: the part of each of `other`'s runs inside `range`.
        for run in other.starts.indices {
            let runStart = Int(other.starts[run])
            let runEnd = run + 1 < other.starts.count ? Int(other.starts[run + 1]) : other.count
            let from = max(runStart, range.lowerBound), to = min(runEnd, range.upperBound)
            guard from < to else { continue }
            let line = other.firstLines[run] + Int32(truncatingIfNeeded: from - runStart + offset)
            append(line)
            count += to - from - 1
        }
    }

    /// The lines in the order `order` gives (positions into these).
    func permuted(by order: [Int]) -> ClickLines {
        var lines = ClickLines()
        for index in order { lines.append(self[index]) }
        return lines
    }

    /// How many runs the lines are kept as (for tests).
    var runCount: Int { starts.count }
}
