import TallyValues

/// Clicks straight from CSV bytes into the click table: the bulk of every project's
/// bytes (200 of 207 MB on the reference kit's medium data). A row is taken this way only
/// when it is plain: well-formed, all ASCII, no surrounding spaces, an ISO timestamp with
/// its zone, a known referrer, no token to check (and the file has no `timestamps:`
/// layout). Any other row goes through the general importer, so rejects and their
/// reasons are the same either way. (Medium data: loading the clicks took 2.3 s through
/// named fields, about 1 s this way.)
extension RowImporter {
    mutating func importClickRows() {
        guard let atColumn = table.column(of: "at"), let referrerColumn = table.column(of: "referrer"),
              var reader = table.takeCSVReader() else {
            return importRows()
        }
        defer { table.restore(reader) }
        let customerColumn = table.column(of: "customer")
        let idColumn = table.column(of: "id")
        let tokenColumn = table.column(of: "token")
        let textColumns: [(text: ClickTable.Text, column: Int?)] = ClickTable.Text.allCases.map { text in
            (text, loader.ledgers.clicks.keeps(text) ? table.column(of: text.rawValue) : nil)
        }
        // Referrer ids by their bytes (numbered in ledger order, so a number is the
        // referrer's index): hashing a String per row was a tenth of loading the clicks.
        var referrerNumbers = KeyInterner()
        for referrer in loader.ledgers.referrers { _ = referrerNumbers.intern(referrer.id) }
        let numbersAreIndexes = referrerNumbers.count == loader.ledgers.referrers.count
        let headerCount = table.headerCount
        var csvRow = CSVReader.Row(line: 0)
        var texts = Array(repeating: "", count: textColumns.count)
        var raw: [UInt8] = []
        // Counted here and added once: a counter inside the loader's ledgers cost a
        // uniqueness check per row.
        var read = 0, accepted = 0
        // Let go of the loader's click table while appending, so it is not copied.
        var clicks = loader.ledgers.clicks
        loader.ledgers.clicks = ClickTable()
        defer {
            loader.ledgers.clicks = clicks
            loader.ledgers.counts[file].read += read
            loader.accept(file, rows: accepted)
        }
        while reader.next(into: &csvRow) {
            read += 1
            // nil: the row is not plain; true: taken; false: an exact duplicate.
            let taken: Bool? = csvRow.problem != nil || csvRow.count != headerCount || !numbersAreIndexes ? nil
                : csvRow.bytes.withUnsafeBufferPointer { buffer -> Bool? in
                    // Any byte outside ASCII: the general path validates every column read.
                    guard UTF8Text.isASCII(buffer) else { return nil }
                    func field(_ column: Int?) -> UnsafeBufferPointer<UInt8>? {
                        guard let column else { return UnsafeBufferPointer(start: nil, count: 0) }
                        let start = column == 0 ? 0 : csvRow.ends[column - 1]
                        let bytes = UnsafeBufferPointer(rebasing: buffer[start..<csvRow.ends[column]])
                        if let first = bytes.first, first == 32 || first == 9 || first == 13 { return nil }
                        if let last = bytes.last, last == 32 || last == 9 || last == 13 { return nil }
                        return bytes
                    }
                    func text(_ column: Int?) -> String? { field(column).map { String(decoding: $0, as: UTF8.self) } }
                    guard field(tokenColumn)?.isEmpty == true, let atBytes = field(atColumn), let at = Timestamp.parse(bytes: atBytes),
                          let referrerBytes = field(referrerColumn), !referrerBytes.isEmpty,
                          let referrer = referrerNumbers.number(of: referrerBytes),
                          let customerBytes = field(customerColumn),
                          let id = text(idColumn) else { return nil }
                    for (slot, entry) in textColumns.enumerated() {
                        guard let value = text(entry.column) else { return nil }
                        texts[slot] = value
                    }
                    // The row's bytes and field ends, as the general path keys duplicates.
                    raw.removeAll(keepingCapacity: true)
                    raw.append(contentsOf: buffer)
                    for end in csvRow.ends { raw.append(UInt8(truncatingIfNeeded: end)) }
                    if let earlier = raw.withUnsafeBufferPointer({ duplicates.check($0, line: csvRow.line, at: atBytes) }) {
                        loader.reject(file, csvRow.line, column: "", value: "", reason: "exact duplicate of line \(earlier), skipped", duplicate: true)
                        return false
                    }
                    clicks.append(at: at, referrer: referrer, customer: clicks.internCustomer(customerBytes), id: id,
                                  source: RowReference(file: file, line: csvRow.line), texts: texts)
                    return true
                }
            switch taken {
            case true?: accepted += 1
            case false?: break
            case nil:
                // The general path, with the table handed back for the row.
                loader.ledgers.clicks = clicks
                clicks = ClickTable()
                importRow(table.row(from: csvRow), counted: true)
                clicks = loader.ledgers.clicks
                loader.ledgers.clicks = ClickTable()
            }
        }
        if duplicates.wentBackInTime { loader.clicksOutOfOrder = true }
    }
}
