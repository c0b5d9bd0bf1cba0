import Foundation

/// A ledger file read as rows of named fields, whatever its format: CSV, TSV or
/// JSONL. Their column names are mapped to our field names once, from the header; each
/// row then yields the fields the importer asked for, by slot.
struct LedgerTable {
    enum Reader {
        case csv(CSVReader)
        case jsonl(JSONLReader)
        /// While a reader is out of the table (being read): holding it here as well
        /// would make every refill of its buffer a copy.
        case taken
    }

    /// One row: values by slot (empty when absent) and their column names for rejects.
    struct Row {
        var line: Int
        var values: [String]
        /// A problem with the row as a whole (bad quoting, ragged, not UTF-8).
        var problem: (column: String, value: String, reason: String)?
        /// The row's fields as bytes with a separator, for exact-duplicate detection.
        var raw: [UInt8]
    }

    fileprivate(set) var reader: Reader
    /// Our field name for each slot.
    let fields: [String]
    /// Their column name for each slot (for rejects), or the field name.
    private(set) var columnNames: [String]
    /// Header column index for each slot, nil when the file lacks it.
    private var columnForSlot: [Int?] = []
    private var header: [String] = []
    private let constants: [String: String]
    private var csvRow = CSVReader.Row(line: 0)
    let display: String
    /// Whether rows carry their bytes for exact-duplicate detection (orders find their
    /// duplicates as whole orders and do without).
    var keepsRaw = true

    /// Opens the file and reads its header. Fails with a reason when the file cannot be
    /// read, is empty, or lacks a required field.
    /// `wanted` limits the fields read (nil: all); the others stay empty.
    init(path: String, display: String, format: LedgerFormat, fields: [String], required: Set<String>,
         columns: [String: String], constants: [String: String], wanted: Set<String>? = nil) throws {
        self.fields = fields
        self.columnNames = fields
        self.constants = constants
        self.display = display
        switch format {
        case .jsonl:
            guard let reader = JSONLReader(path: path) else { throw LedgerFileProblem("cannot read the file") }
            self.reader = .jsonl(reader)
            // JSONL: the field names are the keys; columns map their keys to ours.
            var inverse: [String: String] = [:]
            for (theirs, ours) in columns { inverse[ours] = theirs }
            columnNames = fields.map { inverse[$0] ?? $0 }
        default:
            let delimiter: UInt8 = (format == .csv || format == .shopifyOrders) ? UInt8(ascii: ",") : UInt8(ascii: "\t")
            guard var reader = CSVReader(path: path, delimiter: delimiter) else { throw LedgerFileProblem("cannot read the file") }
            var headerRow = CSVReader.Row(line: 0)
            guard reader.next(into: &headerRow) else { throw LedgerFileProblem("the file is empty: it has no header line") }
            if let problem = headerRow.problem { throw LedgerFileProblem("the header line is malformed: \(problem.reason)") }
            var names: [String] = []
            for index in 0..<headerRow.count {
                guard let name = headerRow.string(index) else { throw LedgerFileProblem("the header line is not valid UTF-8") }
                names.append(name.trimmingCharacters(in: .whitespaces))
            }
            header = names
            var slotFor: [Int?] = Array(repeating: nil, count: fields.count)
            var names2 = fields
            for (index, name) in names.enumerated() {
                let ours = columns[name] ?? name
                if let slot = fields.firstIndex(of: ours), slotFor[slot] == nil {
                    slotFor[slot] = index
                    names2[slot] = name
                }
            }
            if let wanted {
                for slot in slotFor.indices where !wanted.contains(fields[slot]) { slotFor[slot] = nil }
            }
            columnForSlot = slotFor
            columnNames = names2
            let missing = fields.indices.filter { slotFor[$0] == nil && required.contains(fields[$0]) && constants[fields[$0]] == nil }
            if !missing.isEmpty {
                let list = missing.map { "`\(fields[$0])`" }.joined(separator: ", ")
                throw LedgerFileProblem("the header has no \(list) column (found: \(names.joined(separator: ", ")))")
            }
            self.reader = .csv(reader)
        }
    }

    /// The next row, or nil at the end of the file.
    mutating func next() -> Row? {
        switch reader {
        case .taken:
            return nil
        case .csv(var csv):
            reader = .taken
            defer { reader = .csv(csv) }
            guard csv.next(into: &csvRow) else { return nil }
            return row(from: csvRow)
        case .jsonl(var jsonl):
            reader = .taken
            defer { reader = .jsonl(jsonl) }
            guard let (line, object, problem) = jsonl.next() else { return nil }
            var row = Row(line: line, values: Array(repeating: "", count: fields.count), problem: nil, raw: [])
            if let problem {
                row.problem = ("", "", problem)
                return row
            }
            row.raw = Array(object.keys.sorted().map { "\($0)=\(object[$0]!)" }.joined(separator: "\u{1F}").utf8)
            for (slot, name) in columnNames.enumerated() {
                row.values[slot] = object[name] ?? object[fields[slot]] ?? constants[fields[slot]] ?? ""
            }
            return row
        }
    }
}

extension LedgerTable {
    /// Takes the CSV reader out of the table, for an importer that reads the rows itself;
    /// nil for a JSONL table. Hand it back with `restore(_:)`.
    mutating func takeCSVReader() -> CSVReader? {
        guard case .csv(let csv) = reader else { return nil }
        reader = .taken
        return csv
    }

    /// Puts back a reader taken with `takeCSVReader()`.
    mutating func restore(_ csv: CSVReader) { reader = .csv(csv) }

    /// Whether the CSV reader met a quote (see `CSVReader.sawQuote`).
    var sawQuote: Bool {
        if case .csv(let csv) = reader { return csv.sawQuote }
        return false
    }

    /// The line the CSV reader's next row starts on (see `CSVReader.nextLine`).
    var nextLine: Int? {
        if case .csv(let csv) = reader { return csv.nextLine }
        return nil
    }

    /// Why reading stopped before the end of the file, if it did (a read error, or a
    /// part of the file that ended early): the rows after it were not read.
    var readProblem: String? {
        switch reader {
        case .csv(let csv): return csv.readProblem
        case .jsonl(let jsonl): return jsonl.readProblem
        case .taken: return nil
        }
    }

    var isDelimited: Bool {
        if case .csv = reader { return true }
        return false
    }

    /// The header column of one of our fields, nil when the file has none or it is not read.
    func column(of field: String) -> Int? {
        fields.firstIndex(of: field).flatMap { columnForSlot[$0] }
    }

    var headerCount: Int { header.count }

    /// The header position of one of our fields, whether it is read or not.
    func headerColumn(of field: String) -> Int? {
        guard let slot = fields.firstIndex(of: field) else { return nil }
        return header.firstIndex(of: columnNames[slot])
    }

    /// The same table reading only the bytes `range` of its file, whose first line is
    /// `line` (a part of a file read in parts); nil when it cannot be opened.
    func reading(path: String, delimiter: UInt8, range: Range<Int>, line: Int) -> LedgerTable? {
        guard let part = CSVReader(path: path, delimiter: delimiter, range: range, line: line) else { return nil }
        var table = self
        table.reader = .csv(part)
        return table
    }
    var hasConstants: Bool { !constants.isEmpty }

    /// A row of named fields from a CSV row, with its problems.
    func row(from csvRow: CSVReader.Row) -> Row {
        var row = Row(line: csvRow.line, values: Array(repeating: "", count: fields.count), problem: nil, raw: keepsRaw ? csvRow.bytes : [])
        // Field ends make "a,bc" and "ab,c" differ.
        if keepsRaw { for end in csvRow.ends { row.raw.append(UInt8(truncatingIfNeeded: end)) } }
        if let problem = csvRow.problem {
            let column = problem.field - 1 < header.count ? header[problem.field - 1] : "column \(problem.field)"
            row.problem = (column, csvRow.string(problem.field - 1) ?? "", problem.reason)
            return row
        }
        if csvRow.count != header.count {
            row.problem = ("", "", "the row has \(csvRow.count) field\(csvRow.count == 1 ? "" : "s"), the header has \(header.count)")
            return row
        }
        for (slot, column) in columnForSlot.enumerated() {
            if let column {
                guard let text = csvRow.string(column) else {
                    row.problem = (header[column], String(decoding: csvRow.field(column), as: UTF8.self), "the text is not valid UTF-8")
                    return row
                }
                row.values[slot] = text
            }
            if !constants.isEmpty, row.values[slot].isEmpty, let constant = constants[fields[slot]] { row.values[slot] = constant }
        }
        return row
    }
}

/// Why a whole ledger file could not be read.
struct LedgerFileProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
