import Foundation
import TallyLedgers
import TallyTestSupport
import TallyValues
import XCTest

/// The built-in importers on sample files laid out exactly like the real reports
/// (header lines verbatim from the published layouts, several column sets).
final class ImporterTests: XCTestCase {
    private func load(_ yaml: String, copying names: [String]) throws -> Ledgers {
        var files: [String: String] = [:]
        for name in names {
            files[name] = try String(contentsOf: Golden.fixtures(of: #filePath).appendingPathComponent(name), encoding: .utf8)
        }
        let project = try ScratchProject(files: files, ledgers: yaml)
        defer { project.remove() }
        return try project.load()
    }

    func testAmazonAllOrdersInEveryColumnSet() throws {
        for name in ["amazon-orders-32.txt", "amazon-orders-url.txt", "amazon-orders-29.txt", "amazon-orders-newer.txt"] {
            let ledgers = try load("  orders:\n    path: \(name)\n    format: amazon-orders\n", copying: [name])
            XCTAssertEqual(ledgers.rejects, [], name)
            XCTAssertEqual(ledgers.counts.first?.read, 3, name)
            XCTAssertEqual(ledgers.orders.map(\.id), ["113-0000001-0000001", "113-0000002-0000002"], name)
            let order = ledgers.orders[0]
            XCTAssertEqual(order.channel, "amazon")
            XCTAssertEqual(order.marketplace, "Amazon.com")
            XCTAssertEqual(order.customer, "amazon:113-0000001-0000001", "no buyer column: an anonymous customer per order")
            XCTAssertEqual(order.lines.map(\.sku), ["TENT-2P", "STOVE-1"])
            XCTAssertEqual(order.lines.map(\.amount), [199_00, 59_50], "item-price is the line total")
            XCTAssertEqual(order.lines.map(\.discount), [20_00, 5_00], "discount sign varies; the magnitude counts")
            XCTAssertEqual(order.lines.map(\.price), [199_00, 29_75])
            XCTAssertEqual(order.net, 233_50)
            XCTAssertEqual(order.tax, 20_68, "item-tax adds up over the order's rows")
            XCTAssertEqual(order.shipping, 0, "shipping minus the shipping promotion")
            XCTAssertEqual(order.at, Timestamp.parse("2026-03-14T22:22:05Z"))
            XCTAssertEqual(order.promoCodes, ["ATRAILTOM15ID", "US Core Free Shipping Promotion A3JU1FCINF5SD0"])
            XCTAssertEqual(ledgers.orders[1].status, "cancelled")
        }
    }

    func testAmazonReturnsJoinOnOrderAndSku() throws {
        let ledgers = try load("""
              orders:
                path: amazon-orders-32.txt
                format: amazon-orders
              refunds:
                path: amazon-returns.txt
                format: amazon-returns

            """, copying: ["amazon-orders-32.txt", "amazon-returns.txt"])
        XCTAssertEqual(ledgers.rejects, [])
        XCTAssertEqual(ledgers.refunds.map(\.id), ["DxR1", "DxR2"])
        XCTAssertEqual(ledgers.refunds.map(\.amount), [27_25, 27_25], "an empty Refunded Amount is pro-rated from the line's net by quantity")
        let clock = ProgramClock(identifier: "America/New_York")!
        XCTAssertEqual(ledgers.refunds.map { clock.localDate(of: $0.at).description }, ["2026-03-20", "2026-04-02"])
    }

    func testShopifyExportReadsOrderFieldsFromTheFirstRow() throws {
        let ledgers = try load("  orders:\n    path: shopify-orders.csv\n    format: shopify-orders\n", copying: ["shopify-orders.csv"])
        XCTAssertEqual(ledgers.rejects, [])
        XCTAssertEqual(ledgers.orders.map(\.id), ["#1001", "#1002"])
        let order = ledgers.orders[0]
        XCTAssertEqual(order.customer, "ann@example.com", "the customer key is the lower-cased email")
        XCTAssertEqual(order.email, "Ann@Example.com")
        XCTAssertEqual(order.channel, "shop")
        XCTAssertEqual(order.lines.map(\.name), ["Trail Tent, 2-person", "Spork \"Ti\""])
        XCTAssertEqual(order.gross, 230_00)
        XCTAssertEqual(order.discount, 20_00, "line discounts; the order's Discount Amount is not counted twice")
        XCTAssertEqual(order.shipping, 8_00)
        XCTAssertEqual(order.tax, 18_40)
        XCTAssertEqual(order.promoCodes, ["TRAILTOM15"])
        XCTAssertEqual(order.at, Timestamp.parse("2026-03-14T22:22:05Z"))
        XCTAssertEqual(ledgers.orders[1].status, "cancelled")
    }
}
