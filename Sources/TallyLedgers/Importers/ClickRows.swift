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
        guard let atColumn = table.column(of: "at"), let referrerColumn = table.column(of: "referrer") else {
            return importRows()
        }
        let customerColumn = table.column(of: "customer")
        let idColumn = table.column(of: "id")
        let tokenColumn = table.column(of: "token")
        let textColumns: [(text: ClickTable.Text, column: Int?)] = ClickTable.Text.allCases.map { text in
            (text, loader.ledgers.clicks.keeps(text) ? table.column(of: text.rawValue) : nil)
        }
        let headerCount = table.headerCount
        var csvRow = CSVReader.Row(line: 0)
        var texts = Array(repeating: "", count: textColumns.count)
        // Let go of the loader's click table while appending, so it is not copied.
        var clicks = loader.ledgers.clicks
        loader.ledgers.clicks = ClickTable()
        defer { loader.ledgers.clicks = clicks }
        while table.nextDelimited(into: &csvRow) {
            loader.ledgers.counts[file].read += 1
            let plain: (at: Timestamp, atText: String, referrer: Int32, customer: Int32, id: String)? =
                csvRow.problem == nil && csvRow.count == headerCount ? csvRow.bytes.withUnsafeBufferPointer { buffer in
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
                          let referrerID = text(referrerColumn), let referrer = loader.ledgers.referrerIndex[referrerID],
                          let customerBytes = field(customerColumn),
                          let id = text(idColumn) else { return nil }
                    for (slot, entry) in textColumns.enumerated() {
                        guard let value = text(entry.column) else { return nil }
                        texts[slot] = value
                    }
                    return (at, String(decoding: atBytes, as: UTF8.self), referrer, clicks.internCustomer(customerBytes), id)
                } : nil
            guard let plain else {
                // The general path, with the table handed back for the row.
                loader.ledgers.clicks = clicks
                clicks = ClickTable()
                importRow(table.row(from: csvRow), counted: true)
                clicks = loader.ledgers.clicks
                loader.ledgers.clicks = ClickTable()
                continue
            }
            var raw = csvRow.bytes
            for end in csvRow.ends { raw.append(UInt8(truncatingIfNeeded: end)) }
            if let earlier = duplicates.check(raw, line: csvRow.line, at: plain.atText) {
                loader.reject(file, csvRow.line, column: "", value: "", reason: "exact duplicate of line \(earlier), skipped", duplicate: true)
                continue
            }
            clicks.append(at: plain.at, referrer: plain.referrer, customer: plain.customer, id: plain.id,
                          source: RowReference(file: file, line: csvRow.line), texts: texts)
            loader.accept(file)
        }
        if duplicates.wentBackInTime { loader.clicksOutOfOrder = true }
    }
}
