import Foundation
import TallyDriver
import TallyLedgers
import TallySource
import TallyValues
import XCTest

/// Signed tracking tokens: issued, verified, tampered with, expired, rotated; clicks
/// carrying a bad token are rejected with the reason.
final class TokenTests: XCTestCase {
    let current = Array("9c1f2e7a40b35d6681a2c4e9f0b7d3a5".utf8)
    let old = Array("41e0aa7c2b9d4f1e8c3a6b5d7e9f0a1b".utf8)
    var keys: [String: [UInt8]] { ["k2026": current, "k2025": old] }

    func testATokenRoundTrips() throws {
        let token = TrackingToken(keyID: "k2026", referrer: "R-ALPINEAVA", campaign: "spring", expires: CivilDate(year: 2026, month: 12, day: 31))
        let text = token.signed(with: current)
        XCTAssertTrue(text.hasPrefix("tly1.k2026."), text)
        XCTAssertEqual(text.split(separator: ".").count, 4)
        XCTAssertEqual(try TrackingToken.verify(text, keys: keys).get(), token)
        XCTAssertEqual(token.signed(with: current), text, "signing is deterministic")
    }

    func testNewKeysAreLongRandomHex() {
        let key = TokenCommands.newKey(), other = TokenCommands.newKey()
        XCTAssertEqual(key.count, 64)
        XCTAssertTrue(key.allSatisfy(\.isHexDigit))
        XCTAssertNotEqual(key, other)
    }

    func testATamperedPayloadOrSignatureIsForged() {
        let text = TrackingToken(keyID: "k2026", referrer: "R1").signed(with: current)
        let other = TrackingToken(keyID: "k2026", referrer: "R2").signed(with: current)
        var parts = text.split(separator: ".").map(String.init)
        parts[2] = other.split(separator: ".").map(String.init)[2]  // R2's payload under R1's signature
        XCTAssertEqual(TrackingToken.verify(parts.joined(separator: "."), keys: keys), .failure(.forged))
        var signature = Array(text.split(separator: ".")[3])
        signature[0] = signature[0] == "A" ? "B" : "A"
        XCTAssertEqual(TrackingToken.verify(text.split(separator: ".").dropLast().joined(separator: ".") + "." + String(signature), keys: keys), .failure(.forged))
        XCTAssertEqual(TrackingToken.verify("0544665312dd6e9a", keys: keys), .failure(.malformed))
        // One spelling per token: the unused low bits of the last character must be zero.
        let last = text.last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let position = alphabet.firstIndex(of: last)!
        let sibling = alphabet[position ^ 1]
        XCTAssertEqual(TrackingToken.verify(String(text.dropLast()) + String(sibling), keys: keys), .failure(.forged))
        XCTAssertEqual(TrackingToken.verify("tly1.k2026.!!.??", keys: keys), .failure(.forged))
    }

    func testAWrongKeyAnUnknownKeyAndRotation() {
        let signedWithOld = TrackingToken(keyID: "k2025", referrer: "R1").signed(with: old)
        XCTAssertEqual(try? TrackingToken.verify(signedWithOld, keys: keys).get().referrer, "R1", "old tokens verify while their key is listed")
        XCTAssertEqual(TrackingToken.verify(signedWithOld, keys: ["k2026": current]), .failure(.unknownKey("k2025")), "retired key")
        let wrongSecret = TrackingToken(keyID: "k2026", referrer: "R1").signed(with: old)
        XCTAssertEqual(TrackingToken.verify(wrongSecret, keys: keys), .failure(.forged), "signed with another secret under this key's id")
    }

    func testExpiryReferrerAndCampaignAreCheckedAgainstTheClick() {
        let text = TrackingToken(keyID: "k2026", referrer: "R1", campaign: "spring", expires: CivilDate(year: 2026, month: 3, day: 31)).signed(with: current)
        func check(_ day: Int, month: Int = 3, referrer: String = "R1", campaign: String = "spring") -> Result<TrackingToken, TrackingToken.Problem> {
            TrackingToken.check(text, keys: keys, clickDate: CivilDate(year: 2026, month: month, day: day)!, referrer: referrer, campaign: campaign)
        }
        XCTAssertNotNil(try? check(31).get(), "valid through its last day")
        XCTAssertEqual(check(1, month: 4), .failure(.expired(CivilDate(year: 2026, month: 3, day: 31)!)))
        XCTAssertEqual(check(2, referrer: "R2"), .failure(.otherReferrer(token: "R1", click: "R2")))
        XCTAssertEqual(check(2, campaign: "fall"), .failure(.otherCampaign(token: "spring", click: "fall")))
        XCTAssertNotNil(try? check(2, referrer: "", campaign: "").get(), "a click may leave referrer and campaign to the token")
    }

    /// End to end: `tally token issue` with keys from a file and an environment variable,
    /// the tokens in a clicks ledger, forged and expired ones rejected with reasons.
    func testIssuedTokensAreAcceptedInAClicksLedgerAndForgedOnesRejected() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("keys"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ text: String) throws { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        try write("keys/new.key", String(decoding: current, as: UTF8.self) + "\n")
        try write("keys/old.key", String(decoding: old, as: UTF8.self))
        try write("p.tally", "program \"p\"\ncurrency USD\ntimezone \"UTC\"\nrule base {\n  pay 10% of credit.net\n}\n")
        try write("referrers.csv", "id,kind,tier\nR1,influencer,gold\nR2,affiliate,silver\n")
        try write("orders.csv", "order,at,customer,sku,qty,price\n")
        let yaml = "program: p.tally\ntokens:\n  keys:\n    - { id: new, file: keys/new.key }\n    - { id: old, file: keys/old.key }\nledgers:\n  referrers: referrers.csv\n  clicks: clicks.csv\n  orders: orders.csv\n"
        try write("tally.yaml", yaml)
        try write("clicks.csv", "id,at,referrer,customer,campaign,token\n")

        let issued = TokenCommands.issue(project: folder.path, referrer: "R1", campaign: nil, expires: "2026-02-28", keyID: nil)
        XCTAssertEqual(issued.exitCode, 0, issued.text)
        let token = issued.text.trimmingCharacters(in: .newlines)
        XCTAssertTrue(token.hasPrefix("tly1.new."), "the first key signs")
        let byOld = TokenCommands.issue(project: folder.path, referrer: "R2", campaign: "blog", expires: nil, keyID: "old").text.trimmingCharacters(in: .newlines)
        XCTAssertEqual(TokenCommands.issue(project: folder.path, referrer: "R9", campaign: nil, expires: nil, keyID: nil).exitCode, 1, "unknown referrer")
        XCTAssertEqual(TokenCommands.issue(project: folder.path, referrer: "R1", campaign: nil, expires: "soon", keyID: nil).exitCode, 2)
        XCTAssertTrue(TokenCommands.inspect(project: folder.path, token: token).text.hasPrefix("valid: referrer R1, valid through 2026-02-28"))

        try write("clicks.csv", """
        id,at,referrer,customer,campaign,token
        c1,2026-02-01T00:00:00Z,R1,ann,,\(token)
        c2,2026-02-01T00:00:00Z,,bob,blog,\(byOld)
        c3,2026-02-01T00:00:00Z,R2,cy,,\(token)
        c4,2026-03-01T00:00:00Z,R1,dee,,\(token)
        c5,2026-02-01T00:00:00Z,R1,eve,,\(token.dropLast(2))xx
        c6,2026-02-01T00:00:00Z,R1,fay,,

        """)
        let load = ProjectLoad.load(folder.path)
        let ledgers = try XCTUnwrap(load.loaded?.ledgers)
        XCTAssertEqual(ledgers.clicks.map(\.id), ["c1", "c2", "c6"])
        XCTAssertEqual(ledgers.clicks[1].referrer, 1, "the token names the referrer the row left empty")
        XCTAssertEqual(ledgers.rejects.map { "\($0.line) \($0.column): \($0.reason)" }, [
            "4 token: the tracking token is forged: it was issued for referrer `R1`, the click names `R2`",
            "5 token: the tracking token expired on 2026-02-28",
            "6 token: the tracking token is forged: its signature does not match its content",
        ])

        // Removing the old key from the list rejects its tokens as signed by an unknown key.
        try write("tally.yaml", yaml.replacingOccurrences(of: "    - { id: old, file: keys/old.key }\n", with: ""))
        let rotated = try XCTUnwrap(ProjectLoad.load(folder.path).loaded?.ledgers)
        XCTAssertTrue(rotated.rejects.contains { $0.line == 3 && $0.reason.contains("signed with key `old`, which tally.yaml does not list") })

        // Keys come from the environment too; a missing one is a diagnostic on its line.
        try write("tally.yaml", yaml.replacingOccurrences(of: "file: keys/old.key", with: "env: TALLY_TEST_UNSET_KEY_VARIABLE"))
        let missing = ProjectLoad.load(folder.path)
        XCTAssertEqual(missing.diagnostics.filter { $0.severity == .error }.map(\.message),
                       ["the token key `old` cannot be read: the environment variable `TALLY_TEST_UNSET_KEY_VARIABLE` is not set"])
    }

    /// Without keys in tally.yaml a token cannot be checked: no click counts as signed,
    /// and the run says so once.
    func testTokensWithoutKeysAreNotTrustedAndTheRunWarns() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ text: String) throws { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        try write("p.tally", "program \"p\"\ncurrency USD\ntimezone \"UTC\"\nfraud {\n  hold touch \"unsigned\" when not touch.signed\n}\nrule base {\n  pay 10% of credit.net\n}\n")
        try write("referrers.csv", "id,kind,tier\nR1,influencer,gold\n")
        try write("orders.csv", "order,at,customer,sku,qty,price\n")
        try write("clicks.csv", "id,at,referrer,customer,token\nc1,2026-02-01T00:00:00Z,R1,ann,\(TrackingToken(keyID: "k", referrer: "R1").signed(with: current))\n")
        try write("tally.yaml", "program: p.tally\nledgers:\n  referrers: referrers.csv\n  clicks: clicks.csv\n  orders: orders.csv\n")
        let load = ProjectLoad.load(folder.path)
        XCTAssertEqual(load.diagnostics.map { "\($0.severity.rawValue) \($0.code)" }, ["warning ledger.unverified-tokens"])
        XCTAssertEqual(try XCTUnwrap(load.loaded?.ledgers.clicks.first).token, "", "an unchecked token does not count as a signature")
    }
}
