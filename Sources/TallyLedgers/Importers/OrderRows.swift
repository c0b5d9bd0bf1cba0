import TallyValues

/// Orders straight from CSV lines, without the general importer's named fields: a
/// `Fields` value per row (copied into the order's row group and out again), a String
/// array per row and a row group per order were most of loading orders (the reference
/// kit's large data: 1,000,000 one-line orders in about 4 s). A line is taken this way
/// when it is plain (no quote, all ASCII, as many fields as the header) and is an order
/// of its own: the next line names another order. Its order is read from its bytes when
/// it is simple (`OrderGrouper.simpleOrder`), else built by the general path's own
/// `OrderGrouper.build`, from the line's fields. Anything else (a line of a
/// multi-line order, a quoted or malformed line, a line whose order fails to build or
/// whose id is taken) goes through the general importer, so accepted orders, rejects and
/// their reasons are the same either way.
extension RowImporter {
    mutating func importOrderRows() {
        guard var reader = table.takeCSVReader() else { return importRows() }
        defer { table.restore(reader) }
        let columns = table.fields.map { table.column(of: $0) }
        let headerCount = table.headerCount
        let idColumn = orders.slots.order.flatMap { columns[$0] }
        var read = 0
        var csvRow = CSVReader.Row(line: 0)
        var delimiters: [Int] = []
        // The last plain line, held until the next line says whether its order goes on.
        var pending = CSVReader.Row(line: 0), current = CSVReader.Row(line: 0)
        var pendingOrder: Order?
        var hasPending = false
        defer { loader.ledgers.counts[file].read += read }

        /// Settles the held line: its order is recorded when what follows is another
        /// order's line (`nextID`, or the end) and its id is not taken; otherwise the
        /// line goes the general way.
        func settlePending(nextID: String?, atEnd: Bool = false) {
            guard hasPending else { return }
            hasPending = false
            // Taken, not copied: a copy retained the order's fields only to release them
            // when the next line's order replaced it (4% of loading orders).
            if let order = pendingOrder.take(), atEnd || nextID.map({ $0 != order.id }) == true {
                if loader.orderPosition.insert(order.id, at: loader.ledgers.orders.count) == nil {
                    loader.ledgers.orders.append(order)
                    loader.accept(file)
                    return
                }
            }
            importRow(table.row(from: pending), counted: true)
        }

        rows: while true {
            // true: a plain line in `current` (`isPlain`: ASCII with the header's field
            // count); nil: a line the general reader reads (quoted, or the last line
            // without a line end), or the end.
            var isPlain = false
            let taken: Bool? = reader.nextPlainLine(delimiters: &delimiters) { text, delimiters, line, isASCII -> Bool in
                current.fill(plainLine: text, delimiters: delimiters, line: line)
                isPlain = isASCII && delimiters.count + 1 == headerCount
                return true
            }
            guard taken == true else {
                // A quoted line may continue the held order: the held line goes first.
                settlePending(nextID: nil)
                guard reader.next(into: &csvRow) else { break rows }
                read += 1
                importRow(table.row(from: csvRow), counted: true)
                continue
            }
            read += 1
            let id = isPlain ? idColumn.flatMap { current.trimmedString($0) } : nil
            // Its slot among the ids is asked for now, to be there when its order is
            // recorded, a line later (a cache miss per order otherwise).
            if let id { loader.orderPosition.prefetch(id) }
            settlePending(nextID: id)
            guard let id, !id.isEmpty, orders.openOrderID != id else {
                importRow(table.row(from: current), counted: true)
                continue
            }
            // The line starts an order: what the general importer was gathering is done.
            orders.flush(into: &loader)
            swap(&pending, &current)
            hasPending = true
            pendingOrder = orders.orderOfOwnLine(PlainOrderRow(row: pending, columns: columns), id: id, loader: loader)
        }
        settlePending(nextID: nil, atEnd: true)
        orders.flush(into: &loader)
    }
}

/// One plain CSV line as the rows of an order (`OrderGrouper.build`): fields by the
/// table's column for each slot, trimmed like the general importer's.
struct PlainOrderRow: OrderRowTexts {
    let row: CSVReader.Row
    /// The file column of each of our fields (nil: the file has none).
    let columns: [Int?]
    var count: Int { 1 }
    func text(_ index: Int, _ slot: Int?) -> String {
        guard let slot, let column = columns[slot] else { return "" }
        return row.trimmedString(column) ?? ""
    }
    func line(_ index: Int) -> Int { row.line }
    /// Whether field `slot` is empty or not in the file.
    func isEmpty(_ slot: Int?) -> Bool {
        bytes(slot) { $0.isEmpty } ?? true
    }
    /// `body` of field `slot`'s bytes, trimmed as `text` trims them; nil when the file
    /// has no such field.
    func bytes<Result>(_ slot: Int?, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        guard let slot, let column = columns[slot] else { return nil }
        return row.withTrimmedField(column, body)
    }
    func instant(_ index: Int, _ slot: Int?, lastDay: inout Timestamp.LastDay) -> Timestamp? {
        bytes(slot) { Timestamp.parse(bytes: $0, lastDay: &lastDay) } ?? nil
    }
}
