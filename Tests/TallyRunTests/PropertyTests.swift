import Foundation
import TallyDriver
import TallyRun
import TallyTestSupport
import XCTest

/// Properties over generated ledgers: credits add up exactly, re-runs are
/// byte-identical, the row order of inputs with distinct timestamps does not matter,
/// and statements add up to the payable decisions.
final class PropertyTests: XCTestCase {
    static let rules = """
        attribution {
          model position_based(first: 40%, last: 40%)
          lookback 10 days
        }
        rule base {
          pay 7.5% of credit.net
        }
        rule bonus {
          when customer.is_new
          pay 5 USD
        }
        rule items {
          pay 0.35 USD per unit where line.sku == "S1"
        }
        limit 40 USD per referrer per month
        hold 7 days
        """

    /// A scenario of random clicks, orders and refunds, every timestamp distinct.
    func generate(seed: UInt64) -> (Scenario, clicks: [String], orders: [String], refunds: [String]) {
        var random = SeededRandom(seed: seed)
        var used = Set<Int>()
        func instant() -> String {
            var second: Int
            repeat { second = random.below(90 * 86_400) } while !used.insert(second).inserted
            let date = Date(timeIntervalSince1970: TimeInterval(1_767_225_600 + second))
            let formatter = ISO8601DateFormatter()
            return formatter.string(from: date)
        }
        let customers = ["ann", "bob", "cy", "dee", "eve"]
        var clicks: [String] = []
        for index in 0..<60 {
            clicks.append("c\(index),\(instant()),R\(1 + random.below(3)),\(customers[random.below(customers.count)])")
        }
        var orders: [String] = []
        for index in 0..<40 {
            let at = instant()
            let customer = customers[random.below(customers.count)]
            for line in 0..<(1 + random.below(3)) {
                let cents = random.below(20_000)
                let price = "\(cents / 100)." + (cents % 100 < 10 ? "0" : "") + "\(cents % 100)"
                orders.append("O\(index),\(at),\(customer),\(line == 0 ? "S1" : "S2"),\(1 + random.below(3)),\(price)")
            }
        }
        var refunds: [String] = []
        for index in 0..<10 {
            refunds.append("f\(index),O\(random.below(40)),\(instant()),\(1 + random.below(50)).00")
        }
        var scenario = Scenario(PropertyTests.rules)
        scenario.clicks += clicks.joined(separator: "\n") + "\n"
        scenario.orders += orders.joined(separator: "\n") + "\n"
        scenario.refunds = "id,order,at,amount\n" + refunds.joined(separator: "\n") + "\n"
        return (scenario, clicks, orders, refunds)
    }

    func testPropertiesHoldOverGeneratedLedgers() throws {
        for seed in 1...6 as ClosedRange<UInt64> {
            var (scenario, clicks, orders, refunds) = generate(seed: seed)
            let first = try scenario.run(asOf: "2026-04-15")
            let outputs = try XCTUnwrap(first.outputs)

            // Credits of an order add up to its net exactly.
            var byOrder: [String: (Int64, Int64)] = [:]
            for decision in first.decisions {
                byOrder[decision.order, default: (0, decision.trace.order.convertedNet)].0 += decision.trace.credit.net
            }
            for (order, sums) in byOrder { XCTAssertEqual(sums.0, sums.1, "seed \(seed) order \(order)") }

            // Running twice gives byte-identical outputs.
            let second = try scenario.run(asOf: "2026-04-15")
            XCTAssertEqual(second.outputs?.decisions, outputs.decisions, "seed \(seed)")
            XCTAssertEqual(second.outputs?.statements, outputs.statements)
            XCTAssertEqual(second.outputs?.summary, outputs.summary)

            // Shuffled input rows (distinct timestamps) give the same decisions. Orders'
            // lines stay together: an order's rows are one record.
            var random = SeededRandom(seed: seed &* 7)
            func shuffled(_ rows: [String]) -> [String] {
                var copy = rows
                for index in stride(from: copy.count - 1, to: 0, by: -1) { copy.swapAt(index, random.below(index + 1)) }
                return copy
            }
            var grouped: [[String]] = []
            for row in orders {
                let id = row.split(separator: ",")[0]
                if let last = grouped.last, last[0].split(separator: ",")[0] == id { grouped[grouped.count - 1].append(row) } else { grouped.append([row]) }
            }
            scenario.clicks = "id,at,referrer,customer\n" + shuffled(clicks).joined(separator: "\n") + "\n"
            scenario.orders = "order,at,customer,sku,qty,price\n" + shuffled(grouped.map { $0.joined(separator: "\n") }).joined(separator: "\n") + "\n"
            scenario.refunds = "id,order,at,amount\n" + shuffled(refunds).joined(separator: "\n") + "\n"
            let permuted = try scenario.run(asOf: "2026-04-15")
            XCTAssertEqual(permuted.decisions.map(\.id), first.decisions.map(\.id), "seed \(seed)")
            XCTAssertEqual(permuted.decisions.map(\.amount), first.decisions.map(\.amount), "seed \(seed)")
            XCTAssertEqual(permuted.result?.adjustments.map(\.amount), first.result?.adjustments.map(\.amount), "seed \(seed)")

            // Statements: what they earn is what the payable decisions (and top-ups) pay.
            let result = try XCTUnwrap(first.result)
            let payable = result.decisions.filter { $0.status == .payable }.reduce(0) { $0 + $1.amount }
                + result.adjustments.filter { $0.kind == .tierAdjustment }.reduce(0) { $0 + $1.amount }
            XCTAssertEqual(result.statements.reduce(0) { $0 + $1.earned }, payable, "seed \(seed)")
            for referrer in Set(result.statements.map(\.referrer)) {
                let rows = result.statements.filter { $0.referrer == referrer }
                let flows = rows.reduce(0) { $0 + $1.earned + $1.reductions + $1.clawbacks + $1.corrections }
                XCTAssertEqual(rows.reduce(0) { $0 + $1.paid } + (rows.last?.carriedOut ?? 0), flows, "seed \(seed) \(referrer)")
            }
        }
    }
}
