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
        // Only the text fields the table keeps are read (in `Text.allCases` order, by
        // slot); the others stay "" in `texts`. (Making an empty String for each field
        // not kept, ten a row, was 6% of loading the reference kit's clicks.)
        let textColumnList: [(slot: Int, text: ClickTable.Text, column: Int?)] = ClickTable.Text.allCases.enumerated().compactMap { slot, text in
            loader.ledgers.clicks.keeps(text) ? (slot, text, table.column(of: text.rawValue)) : nil
        }
        // The row's scratch (these columns, the texts and codes read) in buffers, not
        // arrays: an array the row's closure reads is retained and let go of for every
        // row, an atomic count each way (three arrays, ten million rows on the reference
        // kit's large data).
        let textColumns = UnsafeMutableBufferPointer<(slot: Int, text: ClickTable.Text, column: Int?)>.allocate(capacity: textColumnList.count)
        _ = textColumns.initialize(from: textColumnList)
        let texts = UnsafeMutableBufferPointer<String>.allocate(capacity: ClickTable.Text.allCases.count)
        texts.initialize(repeating: "")
        let codes = UnsafeMutableBufferPointer<Int32>.allocate(capacity: ClickTable.Text.allCases.count)
        codes.initialize(repeating: 0)
        defer {
            textColumns.deallocate()
            _ = texts.deinitialize()
            texts.deallocate()
            codes.deallocate()
        }
        // Referrer ids by their bytes (numbered in ledger order, so a number is the
        // referrer's index): hashing a String per row was a tenth of loading the clicks.
        let referrerNumbers = loader.referrerNumbers ?? loader.ledgers.referrers.reduce(into: KeyInterner()) { _ = $0.intern($1.id) }
        loader.referrerNumbers = referrerNumbers
        let numbersAreIndexes = referrerNumbers.count == loader.ledgers.referrers.count
        let headerCount = table.headerCount
        var csvRow = CSVReader.Row(line: 0)
        var delimiters: [Int] = []
        // Counted here and added once: a counter inside the loader's ledgers cost a
        // uniqueness check per row.
        var read = 0, accepted = 0
        var lastDay = Timestamp.LastDay()
        // The last click taken, until its customer key is numbered (see `AwaitingCustomer`).
        var awaiting: AwaitingCustomer?
        // Let go of the loader's click table while appending, so it is not copied.
        var clicks = loader.ledgers.clicks
        loader.ledgers.clicks = ClickTable()
        defer {
            loader.ledgers.clicks = clicks
            loader.ledgers.counts[file].read += read
            loader.accept(file, rows: accepted)
        }
        rows: while true {
            // Rows are read in place from the reader's buffer. Outcome: true, taken;
            // false, an exact duplicate; nil, a plain line this path does not take (it
            // goes to the general path as `fallback`); no outcome, a row with quotes or
            // the end of the file.
            var fallback: CSVReader.Row?
            let outcome: Bool?? = reader.nextPlainLine(delimiters: &delimiters) { text, delimiters, line, isASCII -> Bool? in
                func notPlain() -> Bool? {
                    fallback = CSVReader.Row(plainLine: text, delimiters: delimiters, line: line)
                    return nil
                }
                guard numbersAreIndexes, delimiters.count + 1 == headerCount, isASCII else { return notPlain() }
                func field(_ column: Int?) -> UnsafeBufferPointer<UInt8>? {
                    guard let column else { return UnsafeBufferPointer(start: nil, count: 0) }
                    let start = column == 0 ? 0 : delimiters[column - 1] + 1
                    let end = column < delimiters.count ? delimiters[column] : text.count
                    let bytes = UnsafeBufferPointer(rebasing: text[start..<end])
                    if let first = bytes.first, first == 32 || first == 9 || first == 13 { return nil }
                    if let last = bytes.last, last == 32 || last == 9 || last == 13 { return nil }
                    return bytes
                }
                func string(_ column: Int?) -> String? { field(column).map { String(decoding: $0, as: UTF8.self) } }
                // The customer key's slot is asked for first and the other fields read while
                // it arrives (a cache miss per row: a third of loading the clicks).
                // So is the referrer id's (twenty thousand referrers: a table larger than the
                // core's cache, a miss per row that was a tenth of loading the clicks).
                let customerBytes = field(customerColumn), referrerBytes = field(referrerColumn)
                if let customerBytes { clicks.prefetchCustomer(customerBytes) }
                if let referrerBytes { referrerNumbers.prefetch(referrerBytes) }
                // The row before is numbered now: its key's slot had this row's reading to arrive.
                if let earlier = awaiting.take() { clicks.numberCustomer(of: earlier) }
                guard let customerBytes, field(tokenColumn)?.isEmpty == true, let atBytes = field(atColumn),
                      let at = Timestamp.parse(bytes: atBytes, lastDay: &lastDay), let referrerBytes, !referrerBytes.isEmpty,
                      let referrer = referrerNumbers.number(of: referrerBytes),
                      let id = field(idColumn) else { return notPlain() }
                for entry in textColumns {
                    let slot = entry.slot
                    if entry.text.isInterned {
                        guard let value = field(entry.column) else { return notPlain() }
                        codes[slot] = clicks.code(of: entry.text, bytes: value)
                    } else {
                        guard let value = string(entry.column) else { return notPlain() }
                        texts[slot] = value
                    }
                }
                if let earlier = duplicates.check(line: text, delimiters: delimiters, line: line, at: atBytes) {
                    loader.reject(file, line, column: "", value: "", reason: Reject.exactDuplicate(of: earlier), duplicate: true, of: earlier)
                    return false
                }
                let row = clicks.count
                awaiting = AwaitingCustomer(row: row, key: customerBytes)
                clicks.append(at: at, referrer: referrer, customer: awaiting == nil ? clicks.internCustomer(customerBytes) : -1, id: id,
                              source: RowReference(file: file, line: line), texts: UnsafeBufferPointer(texts), codes: UnsafeBufferPointer(codes))
                return true
            }
            switch outcome {
            case true??:
                read += 1
                accepted += 1
            case false??:
                read += 1
            case .some(.none):
                read += 1
                if let earlier = awaiting.take() { clicks.numberCustomer(of: earlier) }
                if let fallback { importGeneral(fallback, clicks: &clicks) }
            case nil:
                if let earlier = awaiting.take() { clicks.numberCustomer(of: earlier) }
                guard reader.next(into: &csvRow) else { break rows }
                read += 1
                importGeneral(csvRow, clicks: &clicks)
            }
        }
        if duplicates.wentBackInTime { loader.clicksOutOfOrder = true }
    }

    /// A row the fast path does not take, through the general importer (with the table
    /// handed back for it), so its reject reasons are the general ones. (A method, not a
    /// local function: one capturing the table made every row's access to it a checked
    /// one at run time, three calls into the runtime per row.)
    private mutating func importGeneral(_ row: CSVReader.Row, clicks: inout ClickTable) {
        loader.ledgers.clicks = clicks
        clicks = ClickTable()
        importRow(table.row(from: row), counted: true)
        clicks = loader.ledgers.clicks
        loader.ledgers.clicks = ClickTable()
    }
}
