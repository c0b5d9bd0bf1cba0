import Foundation
import TallyDriver
import TallyLedgers
import TallyTestSupport
import TallyValues
import XCTest

/// Randomly corrupted copies of the example ledgers: every row read is accepted or
/// rejected, the counts add up, and nothing crashes.
final class AccountingPropertyTests: XCTestCase {
    func testRowsReadAreAcceptedPlusRejectedUnderCorruption() throws {
        let example = Golden.repository.appendingPathComponent("examples/acme")
        let names = try FileManager.default.contentsOfDirectory(atPath: example.path)
            .filter { $0.hasSuffix(".csv") || $0.hasSuffix(".txt") }.sorted()
        var random = SeededRandom(seed: 42)
        for round in 0..<40 {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("acme-corrupt-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var yaml = try String(contentsOf: example.appendingPathComponent("tally.yaml"), encoding: .utf8)
            yaml = yaml.replacingOccurrences(of: "../../rules/acme.tally", with: Golden.repository.appendingPathComponent("rules/acme.tally").path)
            try yaml.write(to: folder.appendingPathComponent("tally.yaml"), atomically: true, encoding: .utf8)
            for name in names {
                var bytes = [UInt8](try Data(contentsOf: example.appendingPathComponent(name)))
                for _ in 0..<(1 + random.below(6)) {
                    guard !bytes.isEmpty else { break }
                    let at = random.below(bytes.count)
                    switch random.below(6) {
                    case 0: bytes[at] = UInt8(random.below(256))  // a random byte, often invalid UTF-8
                    case 1: bytes.insert(UInt8(ascii: "\""), at: at)  // a stray quote
                    case 2: bytes.insert(UInt8(ascii: ","), at: at)  // a ragged row
                    case 3: bytes.removeSubrange(at..<min(bytes.count, at + random.below(40)))  // a cut
                    case 4:  // a duplicated line
                        let start = bytes[..<at].lastIndex(of: 10).map { $0 + 1 } ?? 0
                        let end = bytes[at...].firstIndex(of: 10).map { $0 + 1 } ?? bytes.count
                        bytes.insert(contentsOf: bytes[start..<end], at: end)
                    default: bytes = Array(bytes.prefix(at))  // a truncated file
                    }
                }
                try Data(bytes).write(to: folder.appendingPathComponent(name))
            }
            let load = ProjectLoad.load(folder.path)
            guard let ledgers = load.loaded?.ledgers else { continue }  // e.g. the referrers header was cut
            for count in ledgers.counts {
                XCTAssertEqual(count.read, count.accepted + count.rejected, "round \(round): \(count.file)")
            }
            XCTAssertEqual(ledgers.rejects.count, ledgers.counts.reduce(0) { $0 + $1.rejected }, "round \(round)")
            XCTAssertTrue(ledgers.rejects.allSatisfy { !$0.reason.isEmpty && $0.line > 0 }, "round \(round)")
        }
    }
}
