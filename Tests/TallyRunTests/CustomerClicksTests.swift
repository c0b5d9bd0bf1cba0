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

    /// Every window of every customer against filtering the whole table (customers at
    /// `slots`, or at their numbers).
    private func checkWindows(_ table: ClickTable, random: inout SeededRandom, slots: CustomerSlots? = nil,
                              file: StaticString = #filePath, line: UInt = #line) {
        let index = CustomerClicks(table, noCustomer: table.noCustomerNumber ?? -1, slots: slots)
        let first = table.instant(0).secondsSinceEpoch, last = table.instant(table.count - 1).secondsSinceEpoch
        for number in 0..<table.customerCount {
            let slot = Int(slots?.ofCustomer[number] ?? Int32(number))
            for _ in 0..<20 {
                var from = first - 10 + Int64(random.below(Int(last - first + 20)))
                var through = first - 10 + Int64(random.below(Int(last - first + 20)))
                if from > through { swap(&from, &through) }
                let expected = table.indices.filter {
                    table.customerIndex($0) == Int32(number) && table.customer($0) != ""
                        && (from...through).contains(table.instant($0).secondsSinceEpoch)
                }
                let window = index.clicks(of: slot, from: from, through: through)
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

    private func order(_ id: Int, customer: String) -> Order {
        Order(id: String(id), at: Timestamp(secondsSinceEpoch: 1_767_225_600 + Int64(id)), customer: customer, email: "", channel: "",
              marketplace: "", status: "shipped", currency: Currency(code: "USD")!, lines: [], shipping: 0, tax: 0, giftWrap: 0,
              orderDiscount: 0, promoCodes: [], source: RowReference(file: 0, line: id + 1))
    }

    /// Customers are given slots in the order the run meets them: by their first order,
    /// then those who never order, in the table's order. Orders of customers who never
    /// clicked have none.
    func testSlotsFollowTheOrdersThenTheTable() {
        let table = table(instants: [10, 20, 30, 40, 50], customers: ["C1", "C2", "", "C3", "C4"])
        let orders = [order(1, customer: "C3"), order(2, customer: "X"), order(3, customer: "C1"), order(4, customer: "C3"),
                      order(5, customer: ""), order(6, customer: "C4")]
        let slots = orders.withUnsafeBufferPointer { CustomerSlots(orders: $0, clicks: table) }
        XCTAssertEqual(slots.ofOrder, [0, -1, 1, 0, -1, 2])
        let number = { (key: String) in Int(table.customerNumber(of: key)!) }
        XCTAssertEqual(slots.ofCustomer[number("C3")], 0)
        XCTAssertEqual(slots.ofCustomer[number("C1")], 1)
        XCTAssertEqual(slots.ofCustomer[number("C4")], 2)
        // C2 and the keyless clicks' number never order: after, in the table's order.
        XCTAssertEqual(Set(slots.ofCustomer), Set(0..<Int32(table.customerCount)), "every customer has a slot of its own")
        XCTAssertEqual(slots.ofCustomer[number("C2")], 3)
        let none = orders.withUnsafeBufferPointer { CustomerSlots(orders: UnsafeBufferPointer(rebasing: $0[0..<0]), clicks: table) }
        XCTAssertEqual(none.ofOrder, [])
        XCTAssertEqual(none.ofCustomer.map(Int.init), Array(0..<table.customerCount))
    }

    /// Clicks grouped by slot give each customer the same windows as grouped by number.
    func testWindowsAtSlotsAreTheCustomersClicks() {
        var random = SeededRandom(seed: 13)
        var at: Int64 = 1_767_225_600
        let keys = ["", "C1", "C2", "C3", "C4", "C5", "jos\u{E9}"]
        var instants: [Int64] = [], customers: [String] = []
        for _ in 0..<300 {
            at += Int64(random.below(40_000))
            instants.append(at)
            customers.append(keys[random.below(keys.count)])
        }
        let clicks = table(instants: instants, customers: customers)
        let orders = (0..<40).map { order($0, customer: ["C4", "C2", "nobody", "jos\u{E9}", "C4", ""][random.below(6)]) }
        let slots = orders.withUnsafeBufferPointer { CustomerSlots(orders: $0, clicks: clicks) }
        checkWindows(clicks, random: &random, slots: slots)
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
