/// The ledger file of every click. Clicks almost always come from one file: the table
/// then keeps that file's number once instead of 4 bytes a click (40 MB for the
/// reference kit's ten million clicks), and a number per click only once a second file
/// appears.
struct ClickFiles: Sendable {
    /// The one file while `perClick` is empty.
    private var only: Int32 = 0
    /// The file of each click, once the clicks come from more than one.
    private var perClick: [Int32] = []
    private(set) var count = 0

    subscript(index: Int) -> Int32 {
        precondition(index >= 0 && index < count, "click index out of range")
        return perClick.isEmpty ? only : perClick[index]
    }

    mutating func append(_ file: Int32) {
        if perClick.isEmpty {
            if count == 0 { only = file }
            if file == only {
                count += 1
                return
            }
            perClick = Array(repeating: only, count: count)
        }
        perClick.append(file)
        count += 1
    }

    /// Appends the files of every click of `other`.
    mutating func append(contentsOf other: ClickFiles) { append(contentsOf: other, range: 0..<other.count) }

    /// Appends the files of `other`'s clicks in `range`.
    mutating func append(contentsOf other: ClickFiles, range: Range<Int>) {
        guard !range.isEmpty else { return }
        if perClick.isEmpty, other.perClick.isEmpty, count == 0 || only == other.only {
            if count == 0 { only = other.only }
            count += range.count
            return
        }
        if perClick.isEmpty { perClick = Array(repeating: only, count: count) }
        perClick += other.perClick.isEmpty ? Array(repeating: other.only, count: range.count) : Array(other.perClick[range])
        count += range.count
    }

    mutating func reserveCapacity(_ capacity: Int) {
        if !perClick.isEmpty { perClick.reserveCapacity(capacity) }
    }

    /// The files in the order `order` gives (positions into these).
    func permuted(by order: [Int]) -> ClickFiles {
        guard !perClick.isEmpty else { return self }
        var files = self
        files.perClick = order.map { perClick[$0] }
        return files
    }
}
