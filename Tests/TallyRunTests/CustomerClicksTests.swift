@testable import TallyLedgers
@testable import TallyRun
import TallyTestSupport
import TallyValues
import XCTest

/// The runner reads each customer's lookback from `CustomerClicks`: it must give exactly
/// the clicks the table holds for that customer between two instants, oldest first.
final class CustomerClicksTests: XCTestCase {
    private func table(instants: [Int64], customers: [String]) -> ClickTable {
        var table = ClickTable()
        for (index, at) in instants.enumerated() {
            table.append(Click(id: String(index + 1), at: Timestamp(secondsSinceEpoch: at), referrer: Int32(index % 7),
                               customer: customers[index], channel: "", campaign: "", ip: "", device: "", utmSource: "",
                               utmMedium: "", utmCampaign: "", utmContent: "", utmTerm: "", landingURL: "", token: "",
                               source: RowReference(file: 0, line: index + 2)))
        }
        return table
    }

    /// Every window of every customer against filtering the whole table.
    private func checkWindows(_ table: ClickTable, random: inout SeededRandom, file: StaticString = #filePath, line: UInt = #line) {
        let index = CustomerClicks(table, noCustomer: table.noCustomerNumber ?? -1)
        let first = table.instant(0).secondsSinceEpoch, last = table.instant(table.count - 1).secondsSinceEpoch
        for number in 0..<table.customerCount {
            for _ in 0..<20 {
                var from = first - 10 + Int64(random.below(Int(last - first + 20)))
                var through = first - 10 + Int64(random.below(Int(last - first + 20)))
                if from > through { swap(&from, &through) }
                let expected = table.indices.filter {
                    table.customerIndex($0) == Int32(number) && table.customer($0) != ""
                        && (from...through).contains(table.instant($0).secondsSinceEpoch)
                }
                let window = index.clicks(of: number, from: from, through: through)
                XCTAssertEqual(window.map { Int(index.entries[$0].click) }, expected, file: file, line: line)
                for position in window {
                    let click = Int(index.entries[position].click)
                    XCTAssertEqual(index.at(position), table.instant(click).secondsSinceEpoch, file: file, line: line)
                    XCTAssertEqual(index.entries[position].referrer, table.referrer(click), file: file, line: line)
                }
            }
        }
    }

    /// No clicks, or none with a customer key: no entries, and every window empty.
    func testNoKeyedClicksGiveNoEntries() {
        let empty = CustomerClicks(ClickTable(), noCustomer: -1)
        XCTAssertTrue(empty.entries.isEmpty)
        XCTAssertEqual(empty.clicks(of: 0, from: 0, through: .max), 0..<0)
        let keyless = table(instants: [10, 20, 30], customers: ["", "", ""])
        let index = CustomerClicks(keyless, noCustomer: keyless.noCustomerNumber ?? -1)
        XCTAssertTrue(index.entries.isEmpty)
        XCTAssertEqual(index.clicks(of: 0, from: 0, through: .max), 0..<0)
    }

    func testWindowsAreTheCustomersClicksBetweenTwoInstants() {
        var random = SeededRandom(seed: 11)
        var at: Int64 = 1_767_225_600
        var instants: [Int64] = []
        for _ in 0..<400 {
            at += Int64(random.below(3) == 0 ? 0 : random.below(50_000))  // ties in time too
            instants.append(at)
        }
        let keys = ["", "C1", "C2", "C3", "C4", "jos\u{E9}"]
        let customers = instants.indices.map { _ in keys[random.below(keys.count)] }
        checkWindows(table(instants: instants, customers: customers), random: &random)
    }

    /// Clicks more than 2³² seconds apart do not fit the compact offsets: the index keeps
    /// their instants whole and answers the same.
    func testClicksSpanningMoreThan136YearsKeepTheirInstants() {
        var random = SeededRandom(seed: 12)
        let instants: [Int64] = [-2_000_000_000, -1_999_999_000, 0, 1_000, 2_500_000_000, 2_500_000_000, 4_400_000_000]
        let customers = ["C1", "C2", "C1", "", "C1", "C2", "C1"]
        checkWindows(table(instants: instants, customers: customers), random: &random)
    }
}
