@testable import TallyLedgers
import TallyTestSupport
import TallyValues
import XCTest

/// Keys and ids stored compactly must come back exactly as written: the interner keeps a
/// key's first 11 bytes in its slot and longer keys' bytes apart; click ids that are plain
/// numbers are kept as numbers (only the first while they count up), click files as one
/// number while there is one file.
final class KeyStorageTests: XCTestCase {
    func testTheInternerTellsApartKeysThatShareTheirFirstElevenBytes() {
        var interner = KeyInterner()
        let keys = ["", "a", "emily.chen@example.net", "emily.chen@example.org", "emily.chen@", "emily.chen@e",
                    String(repeating: "x", count: 300), String(repeating: "x", count: 301), "jos\u{E9}", "C00080856"]
            + (0..<3000).map { "customer-\($0)@example.com" }
        let numbers = keys.map { interner.intern($0) }
        XCTAssertEqual(Set(numbers).count, keys.count, "every distinct key has its own number")
        XCTAssertEqual(interner.keys, keys)
        for (key, number) in zip(keys, numbers) {
            XCTAssertEqual(interner.number(of: key), number, key)
            XCTAssertEqual(interner.intern(key), number, "interning again gives the same number")
        }
        XCTAssertNil(interner.number(of: "emily.chen@example.com"))
        XCTAssertNil(interner.number(of: String(repeating: "x", count: 302)))
        // Canonically equivalent text is one key (é precomposed or as e + accent).
        XCTAssertEqual(interner.number(of: "jose\u{301}"), interner.number(of: "jos\u{E9}"))
    }

    /// Interning many keys at once (the clicks join) numbers them exactly as interning them
    /// one by one would, through the table's growth, for known and new keys alike.
    /// Keys of every length up to 24 bytes that differ from a base key in one byte, at
    /// every place (the slot holds a key's first 11 bytes, read a word at a time).
    func testKeysThatDifferInOneByteAnywhereAreToldApart() {
        var interner = KeyInterner()
        var keys: [String] = []
        for length in 0...24 {
            let base = (0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) }
            keys.append(String(base))
            for place in 0..<length {
                var changed = base
                changed[place] = "Z"
                keys.append(String(changed))
            }
        }
        let numbers = keys.map { interner.intern($0) }
        XCTAssertEqual(Set(numbers).count, keys.count, "every distinct key has its own number")
        XCTAssertEqual(keys.map { interner.number(of: $0) }, numbers.map { Optional($0) })
        for (key, number) in zip(keys, numbers) { XCTAssertEqual(interner.keys[Int(number)], key) }
    }

    func testInterningKeysTogetherNumbersThemAsOneByOne() {
        let first = (0..<5_000).map { "C\($0 * 3)" } + ["jos\u{E9}", String(repeating: "k", count: 40)]
        let second = (0..<9_000).map { "C\($0 * 2)" } + ["jose\u{301}", String(repeating: "k", count: 40), "", "e\u{301}"]
        var together = KeyInterner(), oneByOne = KeyInterner()
        for key in first {
            _ = together.intern(key)
            _ = oneByOne.intern(key)
        }
        XCTAssertEqual(together.intern(all: second), second.map { oneByOne.intern($0) })
        XCTAssertEqual(together.keys, oneByOne.keys)
        XCTAssertEqual(together.intern(all: []), [])
    }

    /// Room reserved ahead (the clicks read from a file's end) changes no number: keys
    /// interned before the reserve are found after it, long keys and non-ASCII ones too,
    /// and keys interned after it are numbered as in a table that grew by itself.
    func testReservingRoomForKeysChangesNoNumber() {
        let before = (0..<700).map { "C\($0)" } + [String(repeating: "k", count: 40), "jos\u{E9}"]
        let after = (0..<20_000).map { "C\($0 * 7)" } + [String(repeating: "k", count: 41), "jose\u{301}"]
        var reserved = KeyInterner(), grown = KeyInterner()
        for key in before {
            _ = reserved.intern(key)
            _ = grown.intern(key)
        }
        reserved.reserveCapacity(30_000)
        reserved.reserveCapacity(10)  // never less room
        XCTAssertEqual(before.map { reserved.number(of: $0) }, before.map { grown.number(of: $0) })
        XCTAssertEqual(after.map { reserved.intern($0) }, after.map { grown.intern($0) })
        XCTAssertEqual(reserved.keys, grown.keys)
        XCTAssertNil(reserved.number(of: "C-1"))
    }

    func testClickIdsComeBackAsWritten() {
        let written = ["1", "0", "10000000", "007", "00", "-5", "", "c12", "123456789012345678", "1234567890123456789", "é1"]
        var ids = ClickIDs()
        for id in written { ids.append(id) }
        XCTAssertEqual((0..<ids.count).map { ids[$0] }, written)
        var bytes = ClickIDs()
        for id in written {
            var id = id
            id.withUTF8 { bytes.append(bytes: $0) }
        }
        XCTAssertEqual((0..<bytes.count).map { bytes[$0] }, written)
        // A number only where its digits are the id's text.
        // (At most 18 digits, no sign, no leading zero.)
        XCTAssertEqual((0..<ids.count).map { ids.number(at: $0) }, [1, 0, 10_000_000, nil, nil, nil, nil, nil, 123_456_789_012_345_678, nil, nil])
        var counting = ClickIDs()
        for id in ["5", "6", "7"] { counting.append(id) }
        XCTAssertEqual((0..<3).map { counting.number(at: $0) }, [5, 6, 7])
        // Joined (the second part of a clicks file) and reordered (sorted by time).
        ids.append(contentsOf: bytes)
        XCTAssertEqual((0..<ids.count).map { ids[$0] }, written + written)
        let order = Array((0..<ids.count).reversed())
        let reordered = ids.permuted(by: order)
        XCTAssertEqual((0..<reordered.count).map { reordered[$0] }, (written + written).reversed())
    }

    func testNumericIdsAreWrittenAsDecimalText() {
        var numbers: [Int64] = [0, 1, 9, 10, 99, 100, 999_999_999_999_999, 1_000_000_000_000_000, Int64.max - 1, Int64.max]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            numbers += [power - 1, power, power + 1]
        }
        var random = SystemRandomNumberGenerator()
        numbers += (0..<1_000).map { _ in Int64.random(in: 0...Int64.max, using: &random) >> Int64.random(in: 0...62, using: &random) }
        for number in numbers { XCTAssertEqual(ClickIDs.text(of: number), String(number)) }
    }

    func testIdsThatCountUpAreKeptAsTheirFirstNumberAndComeBackAsWritten() {
        func texts(_ ids: ClickIDs) -> [String] { (0..<ids.count).map { ids[$0] } }
        var counting = ClickIDs()
        for id in 41...45 { counting.append(String(id)) }
        XCTAssertEqual(texts(counting), ["41", "42", "43", "44", "45"])
        // A second part that continues the count, then one that does not.
        var next = ClickIDs()
        for id in 46...47 { next.append(String(id)) }
        counting.append(contentsOf: next)
        XCTAssertEqual(texts(counting), (41...47).map(String.init))
        var gap = ClickIDs()
        for id in ["49", "50"] { gap.append(id) }
        counting.append(contentsOf: gap)
        XCTAssertEqual(texts(counting), (41...47).map(String.init) + ["49", "50"])
        // Breaking the count part way: by a gap, a step back, a repeat, text, a leading zero.
        for breaker in ["9", "3", "2", "x7", "03"] {
            var ids = ClickIDs()
            for id in ["1", "2", breaker, "4"] { ids.append(id) }
            XCTAssertEqual(texts(ids), ["1", "2", breaker, "4"], breaker)
        }
        // Reordered (sorted by time) and joined after a text id.
        let reordered = counting.permuted(by: Array((0..<counting.count).reversed()))
        XCTAssertEqual(texts(reordered), ((41...47).map(String.init) + ["49", "50"]).reversed())
        var text = ClickIDs()
        text.append("c1")
        var more = ClickIDs()
        for id in 1...3 { more.append(String(id)) }
        text.append(contentsOf: more)
        XCTAssertEqual(texts(text), ["c1", "1", "2", "3"])
        var empty = ClickIDs()
        empty.append(contentsOf: more)
        XCTAssertEqual(texts(empty), ["1", "2", "3"])
    }

    /// A clicks file read in pieces from both ends: the pieces read from the end lie last
    /// first in their table and are appended in file order, block by block.
    func testIdsAppendedByBlocksComeBackInBlockOrder() {
        func texts(_ ids: ClickIDs) -> [String] { (0..<ids.count).map { ids[$0] } }
        var front = ClickIDs()
        for id in 1...4 { front.append(String(id)) }
        // Pieces 9-10, then 7-8, then 5-6: read from the end.
        var back = ClickIDs()
        for id in [9, 10, 7, 8, 5, 6] { back.append(String(id)) }
        var joined = front
        for block in [4..<6, 2..<4, 0..<2] { joined.append(contentsOf: back, range: block) }
        XCTAssertEqual(texts(joined), (1...10).map(String.init))
        XCTAssertTrue(joined.countsUpForTesting, "ids that go on counting up keep no storage")
        // Text ids and a gap, in any block.
        var mixed = ClickIDs()
        for id in ["x1", "20", "21", "y2", "22"] { mixed.append(id) }
        var withText = front
        for block in [3..<5, 0..<3, 2..<2] { withText.append(contentsOf: mixed, range: block) }
        XCTAssertEqual(texts(withText), ["1", "2", "3", "4", "y2", "22", "x1", "20", "21"])
        XCTAssertFalse(withText.countsUpForTesting)
        var counting = ClickIDs()
        for id in 30...33 { counting.append(String(id)) }
        var ahead = ClickIDs()
        ahead.append("x")
        ahead.append(contentsOf: counting, range: 1..<3)
        XCTAssertEqual(texts(ahead), ["x", "31", "32"])
    }

    /// Click lines kept as runs give back every line as appended, however they were
    /// joined by blocks or reordered, against a plain array of the same lines.
    func testClickLinesKeptAsRunsComeBackAsAppended() {
        var random = SeededRandom(seed: 3)
        for _ in 0..<40 {
            var lines = ClickLines(), plain: [Int32] = []
            var line: Int32 = Int32(random.below(5)) + 2
            for _ in 0..<random.below(300) {
                // Mostly the next line; now and then a gap, a repeat or a step back.
                switch random.below(12) {
                case 0: line += Int32(random.below(4)) + 2
                case 1: line -= Int32(random.below(3))
                default: line += 1
                }
                lines.append(line)
                plain.append(line)
            }
            XCTAssertEqual((0..<lines.count).map { lines[$0] }, plain)
            // Joined block by block, in any order, onto lines already there.
            var blocks: [Range<Int>] = []
            var start = 0
            while start < plain.count {
                let end = min(plain.count, start + random.below(40) + 1)
                blocks.append(start..<end)
                start = end
            }
            for index in blocks.indices.reversed() { blocks.swapAt(index, random.below(index + 1)) }
            var joined = ClickLines(), expected: [Int32] = []
            for line in [Int32(1), 2, 3] { joined.append(line); expected.append(line) }
            for block in blocks {
                joined.append(contentsOf: lines, range: block)
                expected += plain[block]
            }
            XCTAssertEqual((0..<joined.count).map { joined[$0] }, expected)
            // Moved on by an offset a block (pieces numbered as if each started the file).
            var moved = ClickLines(), movedExpected: [Int32] = []
            for block in blocks {
                let offset = random.below(1000)
                moved.append(contentsOf: lines, range: block, offset: offset)
                movedExpected += plain[block].map { $0 + Int32(offset) }
            }
            XCTAssertEqual((0..<moved.count).map { moved[$0] }, movedExpected)
            var order = Array(plain.indices)
            for index in order.indices.reversed() { order.swapAt(index, random.below(index + 1)) }
            let permuted = lines.permuted(by: order)
            XCTAssertEqual((0..<permuted.count).map { permuted[$0] }, order.map { plain[$0] })
        }
        // Lines that follow each other take one run, pieces joined in order too.
        var counting = ClickLines()
        for line in Int32(2)...10_001 { counting.append(line) }
        var whole = ClickLines()
        for block in [0..<4_000, 4_000..<9_000, 9_000..<10_000] { whole.append(contentsOf: counting, range: block) }
        XCTAssertEqual(counting.runCount, 1)
        XCTAssertEqual(whole.runCount, 1)
        XCTAssertEqual(whole[9_999], 10_001)
    }

    func testClickFilesAppendedByBlocks() {
        func files(_ files: ClickFiles) -> [Int32] { (0..<files.count).map { files[$0] } }
        var one = ClickFiles()
        for _ in 0..<3 { one.append(4) }
        var mixed = ClickFiles()
        for file: Int32 in [4, 5, 6, 4] { mixed.append(file) }
        var joined = one
        joined.append(contentsOf: mixed, range: 2..<4)
        joined.append(contentsOf: mixed, range: 0..<2)
        XCTAssertEqual(files(joined), [4, 4, 4, 6, 4, 4, 5])
        var same = one
        same.append(contentsOf: one, range: 1..<3)
        XCTAssertEqual(files(same), [4, 4, 4, 4, 4])
    }

    func testClickFilesKeepOneNumberUntilASecondFileAppears() {
        func files(_ files: ClickFiles) -> [Int32] { (0..<files.count).map { files[$0] } }
        var one = ClickFiles()
        for _ in 0..<3 { one.append(4) }
        XCTAssertEqual(files(one), [4, 4, 4])
        var mixed = one
        mixed.append(5)
        mixed.append(4)
        XCTAssertEqual(files(mixed), [4, 4, 4, 5, 4])
        XCTAssertEqual(files(one), [4, 4, 4], "a copy keeps its own files")
        var joined = one
        joined.append(contentsOf: one)
        XCTAssertEqual(files(joined), Array(repeating: 4, count: 6))
        var other = ClickFiles()
        other.append(6)
        joined.append(contentsOf: other)
        XCTAssertEqual(files(joined), Array(repeating: 4, count: 6) + [6])
        XCTAssertEqual(files(joined.permuted(by: [6, 0, 1, 2, 3, 4, 5])), [6] + Array(repeating: 4, count: 6))
        var empty = ClickFiles()
        empty.append(contentsOf: other)
        XCTAssertEqual(files(empty), [6])
    }

    func testAChannelOfOneValueIsNumberZeroForEveryClick() {
        func click(_ channel: String, _ line: Int) -> Click {
            Click(id: String(line), at: Timestamp(secondsSinceEpoch: Int64(line)), referrer: 0, customer: "c", channel: channel, campaign: "",
                  ip: "", device: "", utmSource: "", utmMedium: "", utmCampaign: "", utmContent: "", utmTerm: "", landingURL: "", token: "",
                  source: RowReference(file: 0, line: line))
        }
        var table = ClickTable()
        for line in 1...3 { table.append(click("blog", line)) }
        XCTAssertEqual((0..<3).map { table.code(.channel, $0) }, [0, 0, 0])
        XCTAssertEqual(table.distinctValues(.channel), ["blog"])
        table.append(click("email", 4))
        table.append(click("blog", 5))
        XCTAssertEqual((0..<5).map { table.code(.channel, $0) }, [0, 0, 0, 1, 0])
        XCTAssertEqual((0..<5).map { table.text(.channel, $0) }, ["blog", "blog", "blog", "email", "blog"])
    }

    /// Keys written as the first such key is (a prefix and a fixed count of digits) are
    /// numbered by value, the others in the hashed table: every distinct key still has
    /// its own number, whatever the interning order, and text that is equal is one key.
    func testKeysInTheFormOfTheFirstAreToldApartFromEveryOtherKey() {
        let keys = ["guest", "", "C00102664", "C00000001", "C1", "C000000001", "D00000001", "c00000001", "C0000000a",
                    "C99999999", "C16777215", "C16777216", "00102664", "CC00102664", "C00102664 ", " C00102664",
                    "C0010266\u{664}", "\u{E9}1", "e\u{301}1", "customer-12", "C00000000", "C-0000001", "C+0000001"]
            + (0..<3_000).map { "C" + String(String($0 * 557).reversed()).padding(toLength: 8, withPad: "0", startingAt: 0) }
        let unique = Set(keys.map { $0.precomposedStringWithCanonicalMapping }).count
        var random = SeededRandom(seed: 11)
        for ordering in [keys, keys.reversed(), keys.shuffled(using: &random), keys.shuffled(using: &random)] {
            var interner = KeyInterner()
            let numbers = ordering.map { interner.intern($0) }
            XCTAssertEqual(Set(numbers).count, unique, "one number for each distinct key")
            for (key, number) in zip(ordering, numbers) {
                XCTAssertEqual(interner.number(of: key), number, key)
                XCTAssertEqual(interner.intern(key), number, "interning again gives the same number: \(key)")
                XCTAssertEqual(interner.keys[Int(number)].precomposedStringWithCanonicalMapping, key.precomposedStringWithCanonicalMapping)
            }
            XCTAssertEqual(interner.number(of: "e\u{301}1"), interner.number(of: "\u{E9}1"))
            for unknown in ["C00102665", "C16777214", "C00000002", "C0000001", "C99999998", "D00102664", "C9"] {
                XCTAssertNil(interner.number(of: unknown), unknown)
                var bytes = unknown
                bytes.withUTF8 { interner.prefetch($0) }
            }
        }
    }

    /// A key of the form whose value the array did not reach when it came is hashed; once
    /// the array holds enough keys to reach it, the key is still found there, and never
    /// numbered twice. (Sparse values leave the array alone: order ids of many channels.)
    func testKeysHashedBeforeTheArrayReachedThemAreFoundAfter() {
        var interner = KeyInterner()
        let early = ["C08000000", "C07999999", "C99000000"]
        // 0..<540,000 in a scattered order (7,919 is prime to 540,000).
        let many = (0..<540_000).map { index -> String in
            let digits = String(index * 7_919 % 540_000)
            return "C" + String(repeating: "0", count: 8 - digits.count) + digits
        }
        let late = ["C08000001", "C07999998", "C99000001"]
        let keys = early + many + late
        let numbers = keys.map { interner.intern($0) }
        XCTAssertEqual(numbers, keys.indices.map { Int32($0) }, "numbered in the order they came")
        for (key, number) in zip(keys, numbers) {
            XCTAssertEqual(interner.number(of: key), number, key)
            XCTAssertEqual(interner.intern(key), number, key)
        }
        XCTAssertEqual(interner.keys, keys)
        XCTAssertNil(interner.number(of: "C08000002"))
        XCTAssertNil(interner.number(of: "C99000002"))
    }

    /// Only one of the first keys may set the form: a table whose first keys have no
    /// digits at their end (channels, campaigns) hashes every key, and numbers them all.
    func testAFormIsSetByOneOfTheFirstKeysOnly() {
        var late = KeyInterner(), early = KeyInterner()
        let plain = (0..<KeyInterner.keysThatMaySetTheForm).map { "channel-\(Character(UnicodeScalar(UInt8(97 + $0 % 26))))\($0 / 26)x" }
        let digits = (0..<500).map { "C" + String(repeating: "0", count: 8 - String($0).count) + String($0) }
        let keys = plain + digits
        XCTAssertEqual(keys.map { late.intern($0) }, keys.indices.map { Int32($0) })
        XCTAssertNil(late.form, "no key of the first ones had digits at its end")
        XCTAssertEqual(keys.map { late.number(of: $0) }, keys.indices.map { Int32($0) })
        let first = Array(plain.prefix(KeyInterner.keysThatMaySetTheForm - 1)) + digits
        XCTAssertEqual(first.map { early.intern($0) }, first.indices.map { Int32($0) })
        XCTAssertEqual(early.form?.width, 8, "set by the last key that may set it")
        XCTAssertEqual(first.map { early.number(of: $0) }, first.indices.map { Int32($0) })
    }

    /// The form of a key: its prefix (ASCII, at most 8 bytes) and how many digits end it;
    /// keys of the form have their digits' value, others none.
    func testTheFormOfAKeyIsItsPrefixAndItsCountOfDigits() {
        func form(_ key: String) -> DigitsForm? {
            var key = key
            return key.withUTF8 { DigitsForm(of: $0) }
        }
        func value(_ key: String, in form: DigitsForm?) -> Int? {
            var key = key
            return key.withUTF8 { form?.value(of: $0) }
        }
        XCTAssertNil(form(""))
        XCTAssertNil(form("guest"))
        XCTAssertNil(form("\u{E9}1"), "a prefix that is not ASCII")
        XCTAssertNil(form("prefix-9-1"), "a prefix over 8 bytes")
        XCTAssertNil(form("1234567890123456789"), "over 18 digits")
        let customer = form("C00102664")
        XCTAssertEqual(customer?.prefixCount, 1)
        XCTAssertEqual(customer?.width, 8)
        XCTAssertEqual(value("C00102664", in: customer), 102_664)
        XCTAssertEqual(value("C00000000", in: customer), 0)
        XCTAssertEqual(value("C16777215", in: customer), DigitsForm.limit - 1)
        XCTAssertNil(value("C16777216", in: customer), "from the limit up: hashed")
        for other in ["C0010266", "C001026640", "D00102664", "c00102664", "C0010266a", "C0010266/", "C0010266:", "00102664X"] {
            XCTAssertNil(value(other, in: customer), other)
        }
        let digits = form("123456789012345678")
        XCTAssertEqual(digits?.prefixCount, 0)
        XCTAssertEqual(value("000000000000000042", in: digits), 42)
        XCTAssertEqual(value("R010678", in: form("R000001")), 10_678)
        XCTAssertEqual(value("prefix-901", in: form("prefix-900")), 901)
    }

    /// Asking for a key's slot ahead of a lookup reads and changes nothing.
    func testPrefetchingAKeyChangesNothing() {
        var interner = KeyInterner()
        let keys = (0..<5_000).map { "C\($0)" } + ["a-key-longer-than-eleven-bytes", "jos\u{E9}"]
        for key in keys { _ = interner.intern(key) }
        for key in keys + ["unknown", "", "another-long-unknown-key"] {
            var bytes = key
            bytes.withUTF8 { interner.prefetch($0) }
        }
        XCTAssertEqual(keys.map { interner.number(of: $0) }, keys.indices.map { Int32($0) })
        XCTAssertNil(interner.number(of: "unknown"))
    }

    /// A key awaiting its number comes back byte for byte, at every length it holds,
    /// read from an allocation of exactly its size (nothing is read past its end).
    func testAnAwaitingKeyComesBackAsWritten() {
        var random = SeededRandom(seed: 7)
        for length in 0...AwaitingCustomer.longest {
            for _ in 0..<20 {
                let key = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(length, 1))
                defer { buffer.deallocate() }
                _ = buffer.initialize(from: key)
                let awaiting = AwaitingCustomer(row: 3, key: UnsafeBufferPointer(rebasing: buffer[..<length]))
                XCTAssertEqual(awaiting?.row, 3)
                XCTAssertEqual(awaiting?.withKey { Array($0) }, key, "length \(length)")
            }
        }
        let long = [UInt8](repeating: 65, count: AwaitingCustomer.longest + 1)
        XCTAssertNil(long.withUnsafeBufferPointer { AwaitingCustomer(row: 0, key: $0) }, "a longer key is numbered at once")
    }
}

