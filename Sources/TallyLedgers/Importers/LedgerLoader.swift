import Foundation
import TallySource
import TallyValues

/// What the loader needs to know about the program: its currency, its time zone and
/// the extra referrer columns with their types.
public struct LoadSettings: Sendable {
    public var currency: Currency
    public var clock: ProgramClock
    /// Declared `referrer fields`: name and type name (`string`, `money`, …).
    public var referrerExtras: [(name: String, type: String)]
    /// The click fields the program reads (nil: all). Others are not kept: on ten
    /// million clicks an unread landing URL alone is over a gigabyte of text.
    public var clickFields: Set<String>?
    /// Tracking-token keys by id; nil when tally.yaml lists none (tokens are then not
    /// checked and no click counts as signed).
    public var tokenKeys: [String: [UInt8]]?
    /// A clicks file at least this large is read in pieces on two cores (see `ClickSplit`).
    public var splitClicksAbove = 32 << 20
    /// Whether plain click lines take the fast path (read in place, see `importClickRows`);
    /// false reads every row the general way, for tests that compare the two.
    public var readsPlainClickRows = true
    /// Whether plain order lines take the fast path (see `importOrderRows`); false reads
    /// every row the general way, for tests that compare the two.
    public var readsPlainOrderRows = true
    /// Whether simple one-line orders among them are read from their bytes (see
    /// `OrderGrouper.simpleOrder`); false builds each the general way, for tests.
    public var readsSimpleOrderLines = true

    public init(currency: Currency, clock: ProgramClock, referrerExtras: [(name: String, type: String)], clickFields: Set<String>? = nil,
                tokenKeys: [String: [UInt8]]? = nil) {
        self.currency = currency
        self.clock = clock
        self.referrerExtras = referrerExtras
        self.clickFields = clickFields
        self.tokenKeys = tokenKeys
    }
}

/// Loads a project's ledgers: reads each file, types each row, validates it against
/// the other ledgers, and accounts for every row as accepted or rejected.
public struct LedgerLoader {
    let settings: LoadSettings
    let project: ProjectFile
    var ledgers = Ledgers()
    /// Order id -> position in `ledgers.orders`.
    var orderPosition = OrderPositions()
    /// Clicks whose token could not be checked because tally.yaml lists no keys.
    var unverifiedTokens = 0
    /// Set when a clicks file turned out not to be in time order.
    var clicksOutOfOrder = false
    /// Set when a piece of a clicks file could not be read as a piece: it could not be
    /// opened or read to its end (the file changed meanwhile, or a read failed), or it
    /// holds a quote. The file is then read again whole, which reports what is wrong.
    var clickPieceUnread = false
    /// The referrers' ids numbered by their bytes for the clicks' fast path (see
    /// `importClickRows`), made once: a clicks file read in 32 pieces numbered all twenty
    /// thousand of the reference kit's referrers again for every piece.
    var referrerNumbers: KeyInterner?

    /// Loads every ledger the project names. Ledgers other rows refer to (referrers,
    /// products, FX rates, orders) are read first; within a kind, files keep the
    /// project's order.
    public static func load(_ project: ProjectFile, settings: LoadSettings) -> Ledgers {
        var loader = LedgerLoader(settings: settings, project: project)
        loader.run()
        return loader.ledgers
    }

    func display(_ path: String) -> String {
        let folder = project.folder
        if !folder.isEmpty, path.hasPrefix(folder + "/") { return String(path.dropFirst(folder.count + 1)) }
        return path
    }

    mutating func run() {
        ledgers.clicks = ClickTable(keeping: settings.clickFields.map { $0.union(["channel"]) })
        ledgers.files = project.ledgers.map { display($0.path) }
        ledgers.counts = project.ledgers.map { LedgerCount(file: display($0.path), kind: $0.kind) }
        for kind in [LedgerKind.referrers, .products, .fx, .assignments] { load(kind) }
        // Clicks refer to referrers only: they load on a second core while orders,
        // refunds, surveys and resolutions load on this one (the clicks file is most of
        // the bytes: 200 MB of 207 MB on the reference kit's medium data).
        let rejectsBefore = ledgers.rejects.count, problemsBefore = ledgers.fileProblems.count
        let timing = ProcessInfo.processInfo.environment["TALLY_TIMING"] != nil
        @Sendable func lap(_ name: String, since start: UInt64) {
            guard timing else { return }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            FileHandle.standardError.write(Data("timing:   \(name) \(String(format: "%.3f", seconds)) s\(ProcessMemory.summary)\n".utf8))
        }
        let base = self
        let clicks = Box(self)
        let secondHalf = Box(self)
        let others = Box(self)
        // Where to cut the clicks is found on the clicks' core while the orders load (a
        // few windows of the file, see `ClickSplit`); the orders' core waits for it before
        // it takes pieces from the file's end.
        let cut = SplitDecision()
        DispatchQueue.concurrentPerform(iterations: 3) { part in
            let start = DispatchTime.now().uptimeNanoseconds
            switch part {
            case 0:
                cut.value = clicks.value.clickSplit()
                if let split = cut.value { cut.claims = PieceClaims(count: split.at.pieces.count) }
                cut.ready.signal()
                lap("finding where to cut the clicks", since: start)
                let loading = DispatchTime.now().uptimeNanoseconds
                if let split = cut.value, let claims = cut.claims {
                    // The pieces from the start, in order, into one table sized for every
                    // piece: the other core's are then appended in place. Each starts on
                    // the line the one before ended on.
                    var line = ClickSplit.firstLine
                    while let piece = claims.front(customersSoFar: clicks.value.ledgers.clicks.customerCount) {
                        guard let next = clicks.value.loadClicks(split.source, file: split.file, range: split.at.pieces[piece], line: line,
                                                                 rows: split.at.estimatedRows) else { break }
                        line = next
                    }
                    cut.frontEnd = line
                }
                else { clicks.value.load(.clicks) }
                lap("clicks" + (cut.value == nil ? "" : " (from the start)"), since: loading)
            case 1:
                for kind in [LedgerKind.orders, .refunds, .surveys, .resolutions] {
                    others.value.load(kind)
                    if kind == .orders { others.value.finishOrders() }
                }
                lap("orders, refunds, surveys", since: start)
            default:
                // Iterations are handed out in order, so the cut is being found already.
                cut.ready.wait()
                guard let split = cut.value, let claims = cut.claims else { return }
                // The pieces from the end, last first, into a table of their own; where
                // each lies in it is kept, to append them in file order. Its customer keys
                // are given room for as many as the other core has met so far: customers
                // click again and again, so the end of a file has about as many as its
                // start (the reference kit's large data: 64 MB zeroed less than growing
                // from empty, 0.15 s of CPU).
                secondHalf.value.ledgers.clicks.reserveCustomers(claims.customersFromFront)
                // Their lines are not known until the pieces before them are counted: each
                // is numbered as if it started the file, and renumbered when joined.
                while let piece = claims.back() {
                    let before = secondHalf.value.ledgers.clicks.count, rejectsBefore = secondHalf.value.ledgers.rejects.count
                    guard let next = secondHalf.value.loadClicks(split.source, file: split.file, range: split.at.pieces[piece],
                                                                 line: ClickSplit.firstLine, rows: split.at.estimatedRows) else { break }
                    cut.endPieces.insert(EndPiece(clicks: before..<secondHalf.value.ledgers.clicks.count,
                                                  rejects: rejectsBefore..<secondHalf.value.ledgers.rejects.count,
                                                  lineEnds: next - ClickSplit.firstLine), at: 0)
                }
                lap("clicks (from the end)", since: start)
            }
        }
        let split = cut.value
        let start = DispatchTime.now().uptimeNanoseconds
        // Taken out of their boxes, not copied: a copy shares the columns, so growing the
        // first core's columns for the other's pieces kept the old ones alive beside the new
        // (400 MB more at the peak of loading the reference kit's large data).
        self = others.take(leaving: base)
        var clickLoader = clicks.take(leaving: base)
        if let split {
            if !clickLoader.join(secondHalf.take(leaving: base), pieces: cut.endPieces, from: cut.frontEnd, file: split.file,
                                 rejectsBefore: rejectsBefore, problemsBefore: problemsBefore) {
                // Not in time order (duplicates can only be found over the whole file), or a
                // piece that could not be read as a piece.
                clickLoader = base
                clickLoader.load(.clicks)
            }
        }
        ledgers.clicks = clickLoader.ledgers.clicks
        for (index, source) in project.ledgers.enumerated() where source.kind == .clicks {
            ledgers.counts[index] = clickLoader.ledgers.counts[index]
        }
        ledgers.rejects += clickLoader.ledgers.rejects[rejectsBefore...]
        ledgers.fileProblems += clickLoader.ledgers.fileProblems[problemsBefore...]
        unverifiedTokens = clickLoader.unverifiedTokens
        if unverifiedTokens > 0, let clicks = project.ledgers.first(where: { $0.kind == .clicks }) {
            ledgers.fileProblems.append(.warning(
                "ledger.unverified-tokens", "\(unverifiedTokens) click\(unverifiedTokens == 1 ? "" : "s") carry a tracking token, but tally.yaml lists no token keys: the tokens are not checked and no click counts as signed",
                at: clicks.span, help: "list the signing keys under `tokens: keys:` (docs/ledgers.md; README, \"Signed tracking tokens\")"))
        }
        ledgers.clicks.sortByTime()
        lap("joining the clicks", since: start)
        ledgers.refunds.sort { ($0.at, $0.source) < ($1.at, $1.source) }
        ledgers.rejects.sort { a, b in
            let fileA = ledgers.files.firstIndex(of: a.file) ?? 0, fileB = ledgers.files.firstIndex(of: b.file) ?? 0
            return (fileA, a.line) < (fileB, b.line)
        }
    }

    /// Loads every file of one kind, in the project's order.
    mutating func load(_ kind: LedgerKind) {
        for (index, source) in project.ledgers.enumerated() where source.kind == kind {
            load(source, file: index)
        }
    }

    /// Where the clicks file is cut, once known: set by the clicks' thread before it
    /// signals `ready`, read by the orders' thread after waiting, and after the loading.
    final class SplitDecision: @unchecked Sendable {
        var value: (source: LedgerSource, file: Int, at: ClickSplit)?
        var claims: PieceClaims?
        /// The pieces read from the end, in file order (touched by their thread only, and
        /// after the loading).
        var endPieces: [EndPiece] = []
        /// The line after the pieces read from the start: where the first of the others
        /// starts (set by the clicks' thread, read after the loading).
        var frontEnd = ClickSplit.firstLine
        let ready = DispatchSemaphore(value: 0)
    }

    /// The pieces of a clicks file not yet taken: one core takes them from the front,
    /// the other from the back, until none is left.
    final class PieceClaims: @unchecked Sendable {
        private var next = 0
        private var last: Int
        private var customers = 0
        private let lock = NSLock()

        init(count: Int) { last = count - 1 }

        /// How many distinct customers the pieces taken from the front had, as last told.
        var customersFromFront: Int {
            lock.lock()
            defer { lock.unlock() }
            return customers
        }

        /// The first piece not yet taken, now taken; `customersSoFar`: how many distinct
        /// customers the pieces taken from the front so far had.
        func front(customersSoFar: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            customers = customersSoFar
            guard next <= last else { return nil }
            next += 1
            return next - 1
        }

        /// The last piece not yet taken, now taken.
        func back() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard next <= last else { return nil }
            last -= 1
            return last + 1
        }
    }

    /// A loader handed to another thread: each is touched by one thread only, and read
    /// after `concurrentPerform` returns.
    final class Box: @unchecked Sendable {
        var value: LedgerLoader
        init(_ value: LedgerLoader) { self.value = value }

        /// The loader, leaving `empty` in its place so that the caller holds the only
        /// reference to its tables.
        func take(leaving empty: LedgerLoader) -> LedgerLoader {
            var taken = empty
            swap(&taken, &value)
            return taken
        }
    }

    /// Sorts orders into processing order: (timestamp, order id byte-wise).
    /// Exports are usually in that order already: then nothing moves and the positions
    /// of the orders by id stay as they are (sorting and re-indexing a million orders in
    /// order took a second on the reference kit's large data).
    mutating func finishOrders() {
        func precedes(_ a: Order, _ b: Order) -> Bool {
            if a.at != b.at { return a.at < b.at }
            return a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
        }
        // Checked field by field in place: pairing the orders up (`zip`) copied each one
        // twice, retaining every string and array it holds (0.2 s of the orders' core on
        // the reference kit's large data).
        let inOrder = ledgers.orders.withUnsafeBufferPointer { orders in
            for index in orders.indices.dropFirst() {
                let at = orders[index].at, before = orders[index - 1].at
                if at < before { return false }
                if at == before, orders[index].id.utf8.lexicographicallyPrecedes(orders[index - 1].id.utf8) { return false }
            }
            return true
        }
        if inOrder { return }
        ledgers.orders.sort(by: precedes)
        orderPosition = OrderPositions()
        orderPosition.reserveCapacity(ledgers.orders.count)
        for (index, order) in ledgers.orders.enumerated() { _ = orderPosition.insert(order.id, at: index) }
    }

    /// Rejects a row and counts it.
    /// `of`: for an exact duplicate, the line of the row it repeats.
    mutating func reject(_ file: Int, _ line: Int, column: String, value: String, reason: String, duplicate: Bool = false, of earlier: Int? = nil) {
        var reject = Reject(file: ledgers.files[file], line: line, column: column, value: value, reason: reason)
        reject.duplicateOf = earlier
        ledgers.rejects.append(reject)
        ledgers.counts[file].rejected += 1
        if duplicate { ledgers.counts[file].duplicates += 1 }
    }

    mutating func accept(_ file: Int, rows: Int = 1) {
        ledgers.counts[file].accepted += rows
    }

    /// Click fields read whatever the program reads: identity and time, and the token
    /// (with the campaign it names) when there are keys to check it with.
    var clickFieldsChecked: Set<String> {
        Set(["id", "at", "referrer", "customer", "channel"]).union(settings.tokenKeys == nil ? [] : ["token", "campaign"])
    }

    /// A ledger file's table: its header read and mapped to our fields.
    func table(_ source: LedgerSource) throws -> LedgerTable {
        let layout = Layout.of(source.kind, format: source.format, extras: settings.referrerExtras.map(\.name))
        var columns = layout.columns
        for (theirs, ours) in source.columns { columns[theirs] = ours }
        var constants = layout.constants
        for (field, value) in source.constants { constants[field] = value }
        return try LedgerTable(path: source.path, display: display(source.path), format: source.format,
                               fields: layout.fields, required: layout.required, columns: columns, constants: constants,
                               wanted: source.kind == .clicks ? settings.clickFields.map { $0.union(clickFieldsChecked) } : nil)
    }

    mutating func load(_ source: LedgerSource, file: Int) {
        var table: LedgerTable
        do {
            table = try self.table(source)
        } catch let problem as LedgerFileProblem {
            let layout = Layout.of(source.kind, format: source.format, extras: settings.referrerExtras.map(\.name))
            ledgers.fileProblems.append(.error("ledger.file", "\(source.kind.rawValue) ledger `\(display(source.path))`: \(problem.reason)",
                                               at: source.span, help: layout.help))
            // The rows of an unusable file are still accounted for.
            countUnreadRows(source, file: file, reason: problem.reason)
            return
        } catch {
            return
        }
        loadRows(of: table, source: source, file: file)
    }

    /// Reads `table`'s rows into the ledgers. A read that stopped early is an error on the
    /// ledger's line of tally.yaml; the rows read before it stand.
    mutating func loadRows(of table: LedgerTable, source: LedgerSource, file: Int) {
        let read = importRows(of: table, source: source, file: file)
        if let problem = read.readProblem {
            ledgers.fileProblems.append(.error(
                "ledger.read", "\(source.kind.rawValue) ledger `\(display(source.path))`: \(problem); the rows from there on are not in this run",
                at: source.span, help: "check the disk or the network share the file is on, or copy the file elsewhere, then run again"))
        }
    }

    /// Reads `table`'s rows into the ledgers; returns the table as reading left it (why it
    /// stopped early, if it did; where it stopped).
    private mutating func importRows(of table: LedgerTable, source: LedgerSource, file: Int) -> LedgerTable {
        var importer = RowImporter(loader: self, file: file, table: table, source: source)
        // Let go of our references so the importer's arrays are unique: appending to a
        // shared array would copy it on every row.
        ledgers = Ledgers()
        orderPosition = OrderPositions()
        if source.kind == .orders, let size = try? FileManager.default.attributesOfItem(atPath: source.path)[.size] as? Int {
            // Sized once from the file (an order row has some 48 bytes at least): growing
            // the orders and their index by doubling rehashed and copied them again and
            // again (a seventh of loading the reference kit's orders). Pages reserved
            // beyond the rows are never touched, so they cost no memory; the estimate is
            // capped so that a huge file does not ask for more address space than a
            // machine has (beyond 8 million rows the arrays grow as before).
            let rows = min(size / 48, 8_000_000)
            importer.loader.ledgers.orders.reserveCapacity(importer.loader.ledgers.orders.count + rows)
            importer.loader.orderPosition.reserveCapacity(importer.loader.ledgers.orders.count + rows)
        }
        importer.importRows()
        self = importer.loader
        return importer.table
    }

    /// Where to cut the project's clicks file into pieces read on two cores, if it is one
    /// large CSV or TSV file that can be cut (see `ClickSplit`).
    func clickSplit() -> (source: LedgerSource, file: Int, at: ClickSplit)? {
        let sources = project.ledgers.enumerated().filter { $0.element.kind == .clicks }
        guard sources.count == 1, let (file, source) = sources.first, source.format == .csv || source.format == .tsv,
              let table = try? table(source), table.isDelimited, !table.hasConstants, let atColumn = table.headerColumn(of: "at"),
              let split = ClickSplit.find(path: source.path, delimiter: source.format == .csv ? 44 : 9, atColumn: atColumn,
                                          minimumSize: settings.splitClicksAbove) else { return nil }
        return (source, file, split)
    }

    /// Reads the rows of one piece of a clicks file, which starts on line `line`, into the
    /// click table, whose columns are sized for `rows` clicks. Returns the line after the
    /// piece, or nil (with `clickPieceUnread` set, see there) when the piece could not be
    /// read as a piece.
    mutating func loadClicks(_ source: LedgerSource, file: Int, range: Range<Int>, line: Int, rows: Int) -> Int? {
        guard let whole = try? table(source),
              let part = whole.reading(path: source.path, delimiter: source.format == .csv ? 44 : 9, range: range, line: line) else {
            // Its header was read a moment ago: the file went away or changed meanwhile.
            clickPieceUnread = true
            return nil
        }
        ledgers.clicks.reserveCapacity(rows)
        // Its read problem is not reported: the file is then read again whole, which does.
        let read = importRows(of: part, source: source, file: file)
        guard read.readProblem == nil, !read.sawQuote, let next = read.nextLine else {
            clickPieceUnread = true
            return nil
        }
        return next
    }

    /// A piece of a clicks file read from its end: where its clicks and rejects lie in
    /// that core's tables, and how many line ends it holds (blank lines too).
    struct EndPiece: Sendable {
        var clicks: Range<Int>
        var rejects: Range<Int>
        var lineEnds: Int
    }

    /// Takes in the pieces of a clicks file read from its end (`pieces`, in file order; the
    /// first starts on line `line`), numbering their rows' lines now that the lines before
    /// them are known; false (and nothing taken) when any piece was not in time order or
    /// could not be read as a piece.
    mutating func join(_ second: LedgerLoader, pieces: [EndPiece], from line: Int, file: Int, rejectsBefore: Int, problemsBefore: Int) -> Bool {
        guard !clicksOutOfOrder, !second.clicksOutOfOrder, !clickPieceUnread, !second.clickPieceUnread else { return false }
        // Each piece was numbered as if it started on `ClickSplit.firstLine`.
        var offsets: [Int] = []
        var start = line
        for piece in pieces {
            offsets.append(start - ClickSplit.firstLine)
            start += piece.lineEnds
        }
        ledgers.clicks.append(contentsOf: second.ledgers.clicks, blocks: zip(pieces, offsets).map { (rows: $0.clicks, lineOffset: $1) })
        let other = second.ledgers.counts[file]
        ledgers.counts[file].read += other.read
        ledgers.counts[file].accepted += other.accepted
        ledgers.counts[file].rejected += other.rejected
        ledgers.counts[file].duplicates += other.duplicates
        var rejects = second.ledgers.rejects
        for (piece, offset) in zip(pieces, offsets) {
            for index in piece.rejects {
                rejects[index].line += offset
                if let earlier = rejects[index].duplicateOf {
                    rejects[index].duplicateOf = earlier + offset
                    rejects[index].reason = Reject.exactDuplicate(of: earlier + offset)
                }
            }
        }
        ledgers.rejects += rejects[rejectsBefore...]
        ledgers.fileProblems += second.ledgers.fileProblems[problemsBefore...]
        unverifiedTokens += second.unverifiedTokens
        return true
    }

    /// Rows of a file whose header made it unusable: each is read and rejected.
    mutating func countUnreadRows(_ source: LedgerSource, file: Int, reason: String) {
        guard var reader = CSVReader(path: source.path, delimiter: source.format == .csv || source.format == .shopifyOrders ? 44 : 9) else { return }
        var row = CSVReader.Row(line: 0)
        var first = true
        while reader.next(into: &row) {
            if first, source.format != .jsonl { first = false; continue }
            ledgers.counts[file].read += 1
            reject(file, row.line, column: "", value: "", reason: "file not loaded: \(reason)")
        }
    }
}
