import TallyValues

/// The clicks of a run, stored by column: an instant, the referrer's and the customer's
/// indexes and the id for every click, and only the other fields the program reads. Read
/// as a collection of `Click`. (As an array of `Click` records, ten million clicks took
/// over 2 GB before any field was read; by column they take about 60 bytes each.)
public struct ClickTable: RandomAccessCollection, Sendable {
    /// The optional text fields, in `Click` order.
    public enum Text: String, CaseIterable, Sendable {
        case channel, campaign, ip, device
        case utmSource = "utm_source", utmMedium = "utm_medium", utmCampaign = "utm_campaign"
        case utmContent = "utm_content", utmTerm = "utm_term", landingURL = "landing_url", token

        /// The field's column, in `allCases` order.
        var column: Int {
            switch self {
            case .channel: return 0
            case .campaign: return 1
            case .ip: return 2
            case .device: return 3
            case .utmSource: return 4
            case .utmMedium: return 5
            case .utmCampaign: return 6
            case .utmContent: return 7
            case .utmTerm: return 8
            case .landingURL: return 9
            case .token: return 10
            }
        }

        /// Fields with few distinct values (a channel, a campaign, utm tags), stored as a
        /// number per click into their distinct values: ten million channel strings took
        /// 160 MB, their numbers 40 MB.
        var isInterned: Bool {
            switch self {
            case .channel, .campaign, .utmSource, .utmMedium, .utmCampaign: return true
            case .ip, .device, .utmContent, .utmTerm, .landingURL, .token: return false
            }
        }
    }

    @usableFromInline private(set) var at: [Int64] = []
    @usableFromInline private(set) var referrers: [Int32] = []
    @usableFromInline private(set) var customerIndexes: [Int32] = []
    private var ids = ClickIDs()
    private var files = ClickFiles()
    private var lines = ClickLines()
    /// Customer keys, interned: most customers click many times.
    private var customers = KeyInterner()
    @usableFromInline var customerKeys: [String] { customers.keys }
    /// Stored text columns (empty arrays for fields not kept or interned).
    private var texts: [[String]]
    /// Interned text columns: each click's number into the column's distinct values.
    private var codes: [[Int32]]
    private var values: [KeyInterner]
    private let kept: [Bool]
    /// The columns kept, interned and not: what `append` fills for every click. (Every
    /// column's flag tested for every click was 5% of loading the reference kit's clicks,
    /// which keep one.)
    private let keptCodes: [Int], keptTexts: [Int]

    /// A table that keeps the text fields named (by ledger field name); nil keeps all.
    public init(keeping fields: Set<String>? = nil) {
        let kept = Text.allCases.map { fields?.contains($0.rawValue) ?? true }
        self.kept = kept
        keptCodes = Text.allCases.indices.filter { kept[$0] && Text.allCases[$0].isInterned }
        keptTexts = Text.allCases.indices.filter { kept[$0] && !Text.allCases[$0].isInterned }
        texts = Array(repeating: [], count: Text.allCases.count)
        codes = Array(repeating: [], count: Text.allCases.count)
        values = Array(repeating: KeyInterner(), count: Text.allCases.count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { at.count }

    public subscript(index: Int) -> Click {
        func text(_ field: Text) -> String { self.text(field, index) }
        return Click(id: ids[index], at: Timestamp(secondsSinceEpoch: at[index]), referrer: referrers[index],
                     customer: customerKeys[Int(customerIndexes[index])], channel: text(.channel), campaign: text(.campaign),
                     ip: text(.ip), device: text(.device), utmSource: text(.utmSource), utmMedium: text(.utmMedium),
                     utmCampaign: text(.utmCampaign), utmContent: text(.utmContent), utmTerm: text(.utmTerm),
                     landingURL: text(.landingURL), token: text(.token),
                     source: RowReference(file: Int(files[index]), line: Int(lines[index])))
    }

    /// The instant of click `index`, without building the record. (Inlinable, like the
    /// other single-field readers: the runner calls them for every touch of every order.)
    @inlinable
    public func instant(_ index: Int) -> Timestamp { Timestamp(secondsSinceEpoch: at[index]) }

    /// The referrer (index into the referrers ledger) of click `index`.
    @inlinable
    public func referrer(_ index: Int) -> Int32 { referrers[index] }

    /// The id of click `index`.
    public func id(_ index: Int) -> String { ids[index] }

    /// The id of click `index` as a number, when it is a number written plainly (digits
    /// only, no leading zero: its digits are then the id's text); nil for any other id.
    public func idNumber(_ index: Int) -> Int64? { ids.number(at: index) }

    /// A text field of click `index` (empty when the table does not keep it).
    public func text(_ field: Text, _ index: Int) -> String {
        guard kept[field.column] else { return "" }
        return field.isInterned ? values[field.column].keys[Int(codes[field.column][index])] : texts[field.column][index]
    }

    /// The number of click `index`'s value of an interned field (see `Text.isInterned`)
    /// among the field's distinct values, nil when the field is not kept or interned.
    /// (The runner counts clicks by channel by these numbers, read once for all clicks
    /// through `codes(_:)`, instead of hashing the text.)
    public func code(_ field: Text, _ index: Int) -> Int32? {
        kept[field.column] && field.isInterned ? codes[field.column][index] : nil
    }

    /// Every click's number of an interned field's value (see `code`), in click order;
    /// nil when the field is not kept or not interned. For passes over all clicks.
    public func codes(_ field: Text) -> [Int32]? {
        guard kept[field.column], field.isInterned else { return nil }
        return codes[field.column]
    }

    /// Every click's instant (seconds since the epoch), referrer and customer number
    /// (`customerIndex`), in click order: for passes over all clicks.
    public var columns: (instants: [Int64], referrers: [Int32], customers: [Int32]) { (at, referrers, customerIndexes) }

    /// The distinct values of an interned field, by number.
    public func distinctValues(_ field: Text) -> [String] { values[field.column].keys }

    /// The customer key of click `index`.
    public func customer(_ index: Int) -> String { customerKeys[Int(customerIndexes[index])] }

    /// The interned number of click `index`'s customer key; nil for a click with no key.
    /// The runner keeps customers' click windows by this number, not by hashing keys.
    @inlinable
    public func customerNumber(_ index: Int) -> Int? {
        let number = Int(customerIndexes[index])
        return customerKeys[number].isEmpty ? nil : number
    }

    /// The interned number of click `index`'s customer key, "no key" included (see
    /// `noCustomerNumber`): the runner chains each customer's clicks by it.
    @inlinable
    public func customerIndex(_ index: Int) -> Int32 { customerIndexes[index] }

    /// The number `customerIndex` gives a click without a customer key, nil when every
    /// click has one.
    public var noCustomerNumber: Int32? { customers.number(of: "") }

    /// The interned number of a customer key, if any click has it.
    public func customerNumber(of key: String) -> Int? {
        guard !key.isEmpty, let number = customers.number(of: key) else { return nil }
        return Int(number)
    }

    /// How many distinct customer keys the clicks have.
    public var customerCount: Int { customers.count }

    /// Room for `count` distinct customer keys in all, so that numbering them does not
    /// grow the table of keys again and again.
    mutating func reserveCustomers(_ count: Int) { customers.reserveCapacity(count) }

    /// Every personal identifier the table holds: customer keys, ip addresses and
    /// device ids (of the columns kept), for redaction.
    public var personalIdentifiers: [String] {
        customerKeys + texts[Text.ip.column] + texts[Text.device.column]
    }

    /// Whether the table keeps a text field.
    public func keeps(_ text: Text) -> Bool { kept[text.column] }

    /// Appends a click from its parts (the id as UTF-8 bytes); `texts` holds a value for
    /// every text field, in `Text.allCases` order (those not kept are ignored).
    /// For a field that `Text.isInterned`, `codes` holds its number (see `code(of:bytes:)`)
    /// and its text is not read.
    mutating func append(at instant: Timestamp, referrer: Int32, customer: Int32, id: UnsafeBufferPointer<UInt8>, source: RowReference,
                         texts: UnsafeBufferPointer<String>, codes: UnsafeBufferPointer<Int32>) {
        at.append(instant.secondsSinceEpoch)
        referrers.append(referrer)
        customerIndexes.append(customer)
        ids.append(bytes: id)
        files.append(Int32(source.file))
        lines.append(Int32(source.line))
        for column in keptCodes { self.codes[column].append(codes[column]) }
        for column in keptTexts { self.texts[column].append(texts[column]) }
    }

    /// The number of an interned field's value given as bytes, interning it when new: the
    /// fast click path numbers channels and campaigns without making a `String` of each
    /// (that was a tenth of loading the reference kit's clicks).
    mutating func code(of field: Text, bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        values[field.column].intern(bytes) { String(decoding: bytes, as: UTF8.self) }
    }

    private mutating func appendText(_ text: String, column: Int) {
        if Text.allCases[column].isInterned {
            codes[column].append(values[column].intern(text))
        } else {
            texts[column].append(text)
        }
    }

    /// Asks for where a customer key's number is found, to be interned soon. (Mutating
    /// although it changes nothing: the importer's table is then used in place, where a
    /// non-mutating call copied the whole table for every row.)
    mutating func prefetchCustomer(_ bytes: UnsafeBufferPointer<UInt8>) { customers.prefetch(bytes) }

    /// The number of a customer key given as bytes, interning it when new.
    mutating func internCustomer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        customers.intern(bytes) { String(decoding: bytes, as: UTF8.self) }
    }

    /// Sets the customer number of click `index`, appended before its key was numbered
    /// (see `AwaitingCustomer`).
    mutating func setCustomerIndex(_ number: Int32, of index: Int) { customerIndexes[index] = number }

    public mutating func append(_ click: Click) {
        at.append(click.at.secondsSinceEpoch)
        referrers.append(click.referrer)
        customerIndexes.append(customers.intern(click.customer))
        ids.append(click.id)
        files.append(Int32(click.source.file))
        lines.append(Int32(click.source.line))
        let values = [click.channel, click.campaign, click.ip, click.device, click.utmSource, click.utmMedium, click.utmCampaign,
                      click.utmContent, click.utmTerm, click.landingURL, click.token]
        for (column, value) in values.enumerated() where kept[column] { appendText(value, column: column) }
    }

    /// Appends the clicks of another table (the pieces of a file read from its end),
    /// numbering its customer keys in this table: the rows in each of `blocks`, in turn,
    /// their lines moved on by the block's `lineOffset`.
    mutating func append(contentsOf other: ClickTable, blocks: [(rows: Range<Int>, lineOffset: Int)]) {
        let added = blocks.reduce(0) { $0 + $1.rows.count }
        // Each column sized once for both parts: appending to a full array copied this
        // part again before adding the other. (Nothing to do when this part was sized for
        // both before it was read.)
        reserveCapacity(count + added)
        // The room the other part is copied into has never been touched: its pages are
        // supplied on the other core, idle while this one numbers the other part's
        // customer keys (their first touch during the copy was 0.12 s of the join on the
        // reference kit's large data, on one core while the other waited).
        func faultRoom<T>(_ column: [T]) {
            guard column.capacity >= column.count + added else { return }
            column.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                HugePages.faultInBackground(UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(mutating: base + column.count),
                                                                           count: added * MemoryLayout<T>.stride))
            }
        }
        faultRoom(at)
        faultRoom(referrers)
        faultRoom(customerIndexes)
        for column in codes.indices where kept[column] && Text.allCases[column].isInterned { faultRoom(codes[column]) }
        let renumber = customers.intern(all: other.customers.keys)
        let valueNumbers = texts.indices.map { column in
            kept[column] && Text.allCases[column].isInterned ? other.values[column].keys.map { values[column].intern($0) } : []
        }
        for (block, lineOffset) in blocks {
            at += other.at[block]
            referrers += other.referrers[block]
            customerIndexes += other.customerIndexes[block].map { renumber[Int($0)] }
            ids.append(contentsOf: other.ids, range: block)
            files.append(contentsOf: other.files, range: block)
            lines.append(contentsOf: other.lines, range: block, offset: lineOffset)
            for column in texts.indices where kept[column] {
                if Text.allCases[column].isInterned {
                    codes[column] += other.codes[column][block].map { valueNumbers[column][Int($0)] }
                } else {
                    texts[column] += other.texts[column][block]
                }
            }
        }
    }

    /// Sizes every column for `total` clicks. A table sized before it is read fills its
    /// columns in place: grown by doubling, each column was copied into new memory again
    /// and again, and on this project's VM a page touched for the first time is costly
    /// (10 million clicks: about 1 s of page faults and copies less, see
    /// `LedgerLoader.loadClicks`). Capacity that is never written takes no memory.
    mutating func reserveCapacity(_ total: Int) {
        // Only when short of room: each piece of a file read in pieces asks again.
        func reserve<T>(_ column: inout [T]) { if column.capacity < total { column.reserveCapacity(total) } }
        reserve(&at)
        reserve(&referrers)
        reserve(&customerIndexes)
        ids.reserveCapacity(total)
        files.reserveCapacity(total)
        for column in texts.indices where kept[column] {
            if Text.allCases[column].isInterned { reserve(&codes[column]) } else { texts[column].reserveCapacity(total) }
        }
    }

    /// Orders the clicks by (instant, file, line): a no-op for the usual time-ordered file.
    public mutating func sortByTime() {
        // The instants alone first: file and line are read only where an instant repeats
        // the one before (reading the three for every click took 0.1 s of the reference
        // kit's large data, on one core while the other waited).
        let sorted = at.withUnsafeBufferPointer { at in
            for index in 1..<Swift.max(1, at.count) where at[index] <= at[index - 1] {
                if at[index] < at[index - 1] || (files[index], lines[index]) < (files[index - 1], lines[index - 1]) { return false }
            }
            return true
        }
        if sorted { return }
        let order = at.indices.sorted { (at[$0], files[$0], lines[$0]) < (at[$1], files[$1], lines[$1]) }
        func permute<T>(_ column: [T]) -> [T] { order.map { column[$0] } }
        at = permute(at)
        referrers = permute(referrers)
        customerIndexes = permute(customerIndexes)
        ids = ids.permuted(by: order)
        files = files.permuted(by: order)
        lines = lines.permuted(by: order)
        texts = texts.map { $0.isEmpty ? $0 : permute($0) }
        codes = codes.map { $0.isEmpty ? $0 : permute($0) }
    }
}
