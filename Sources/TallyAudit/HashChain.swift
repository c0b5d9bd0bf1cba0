import Crypto
import TallySource
import Foundation
import TallyLedgers

/// The hash chain shared by `decisions.jsonl` and the paid ledger. Each line is one
/// canonical JSON object whose last two members are `prev` (the previous line's hash,
/// 64 zeros for the first line) and `hash`: the SHA-256 of the line with the `hash`
/// member removed (README, "Canonical JSON").
public enum HashChain {
    public static let genesis = String(repeating: "0", count: 64)

    /// Appends a record rendered without its closing brace (`open`) to `out`, with
    /// `prev`, `hash` and the newline. Returns the record's hash (see `digest(of:previous:)`).
    static func seal(_ open: UnsafeBufferPointer<UInt8>, previous: String, into out: inout [UInt8]) -> String {
        let hash = digest(of: open, previous: previous)
        out.append(contentsOf: open)
        out.append(contentsOf: ",\"prev\":\"".utf8)
        out.append(contentsOf: previous.utf8)
        out.append(contentsOf: "\",\"hash\":\"".utf8)
        out.append(contentsOf: hash.utf8)
        out.append(contentsOf: "\"}\n".utf8)
        return hash
    }

    /// A link as it ends a record: `,"prev":"…","hash":"…"}` and the line end, with both
    /// hashes zero until filled in (see `RenderedBodies`). Every link has this length.
    static let linkTemplate: StaticString =
        ",\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}\n"
    /// The bytes of a link (see `linkTemplate`): 150.
    static let linkLength = linkTemplate.utf8CodeUnitCount
    /// Where in a link the previous record's hash starts (after `,"prev":"`), and where
    /// the record's own does (after that hash and `","hash":"`).
    static let prevOffset = 9, hashOffset = prevOffset + 64 + 10

    /// The hash of a record rendered without its closing brace (`open`), chained after
    /// `previous`: the SHA-256 of the record with `prev` and the closing brace, fed to the
    /// hasher in pieces so the record is neither copied nor grown before it is written
    /// (the copies and the interpolated strings were a third of chaining a record).
    private static func digest(of open: UnsafeBufferPointer<UInt8>, previous: String) -> String {
        let prevMember: StaticString = ",\"prev\":\"", close: StaticString = "\"}"
        var hasher = SHA256()
        hasher.update(bufferPointer: UnsafeRawBufferPointer(open))
        prevMember.withUTF8Buffer { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        var previous = previous
        previous.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        close.withUTF8Buffer { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher.finalize().withUnsafeBytes { Digest.hex(raw: $0) }
    }

    /// A chained file read line by line (`scan(path:)`): how many lines it has, its first
    /// and last line, and whether every link holds.
    public struct Scan: Sendable {
        public var lines: Int
        public var first: [UInt8]?
        public var last: [UInt8]?
        /// True when every line holds as `holds` reads it: then `firstBreak` finds no
        /// break either. False only says that `firstBreak` must tell where and how the
        /// chain breaks (a chain that `holds` finds broken may hold read the general way,
        /// in a file no Tally wrote: a `prev` followed by some other byte than `"`).
        public var intact: Bool
    }

    /// Reads the chained file at `path` one line at a time, in constant memory; nil when
    /// it cannot be read. (`firstBreak` needs every line at once: it is for saying how a
    /// chain breaks, once `scan` found that it does.)
    public static func scan(path: String) -> Scan? {
        guard let reader = LedgerLines(path: path) else { return nil }
        var scan = Scan(lines: 0, first: nil, last: nil, intact: true)
        var previous = [UInt8](genesis.utf8)
        var last: [UInt8] = []
        while let line = reader.next() {
            scan.lines += 1
            if scan.lines == 1 { scan.first = Array(line) }
            last.removeAll(keepingCapacity: true)
            last.append(contentsOf: line)
            if scan.intact { scan.intact = holds(line, previous: &previous) }
        }
        guard reader.problem == nil else { return nil }
        if scan.lines > 0 { scan.last = last }
        return scan
    }

    /// Whether `line` is the record chained after the hash `previous` (then set to the
    /// line's own): valid UTF-8 ending `,"prev":"PREVIOUS","hash":"HASH"}`, where HASH
    /// is 64 lowercase hex digits and the SHA-256 of the line without its `hash` member,
    /// closed by `}`. Read at fixed places from the end, as Tally writes records.
    static func holds(_ line: UnsafeBufferPointer<UInt8>, previous: inout [UInt8]) -> Bool {
        // `,"hash":"` + 64 + `"}`, and before it `,"prev":"` + 64 + `"`.
        let hashMember = 75, prevMember = 74
        let count = line.count
        guard count >= hashMember + prevMember, previous.count == 64, let base = line.baseAddress else { return false }
        func bytes(_ text: StaticString, at offset: Int) -> Bool {
            text.utf8CodeUnitCount <= count - offset && memcmp(base + offset, text.utf8Start, text.utf8CodeUnitCount) == 0
        }
        let hashAt = count - 66, prevAt = count - hashMember - 65
        guard bytes(",\"hash\":\"", at: count - hashMember), bytes("\"}", at: count - 2),
              bytes(",\"prev\":\"", at: count - hashMember - prevMember), base[count - hashMember - 1] == 34,
              memcmp(base + prevAt, previous, 64) == 0, isUTF8(line) else { return false }
        var claimed = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 {
            guard let high = hexValue(base[hashAt + 2 * index]), let low = hexValue(base[hashAt + 2 * index + 1]) else { return false }
            claimed[index] = high << 4 | low
        }
        var hasher = SHA256()
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base, count: count - hashMember))
        let close: StaticString = "}"
        close.withUTF8Buffer { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        guard Array(hasher.finalize()) == claimed else { return false }
        previous = Array(UnsafeBufferPointer(start: base + hashAt, count: 64))
        return true
    }

    /// A lowercase hex digit's value (Tally writes hashes in lowercase).
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        default: return nil
        }
    }

    /// Whether bytes are well-formed UTF-8 (no overlong forms, surrogates or values past
    /// U+10FFFF), ASCII skipped eight bytes at a time: a line that is not is read the
    /// general way, as text with its bad bytes replaced.
    static func isUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            if index + 8 <= count, UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
                continue
            }
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            var length = 0, low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard index + length <= count, base[index + 1] >= low, base[index + 1] <= high else { return false }
            for offset in 2..<length where base[index + offset] & 0xC0 != 0x80 { return false }
            index += length
        }
        return true
    }

    /// One line's parts: the hash it claims, the `prev` it names, and whether its hash
    /// matches its content.
    public struct Link: Equatable, Sendable {
        var hash: String
        var prev: String
        var intact: Bool
    }

    static func link(_ line: Substring) -> Link? {
        let marker = ",\"hash\":\""
        guard line.hasSuffix("\"}"), let range = line.range(of: marker, options: .backwards) else { return nil }
        let hash = String(line[range.upperBound...].dropLast(2))
        let body = line[..<range.lowerBound]
        let prevMarker = ",\"prev\":\""
        guard hash.utf8.count == 64, let prevRange = body.range(of: prevMarker, options: .backwards) else { return nil }
        let prev = String(body[prevRange.upperBound...].dropLast())
        return Link(hash: hash, prev: prev, intact: Digest.sha256(String(body) + "}") == hash)
    }

    /// A break in a chain: the 1-based line and what happened, in words.
    public struct Break: Error, Equatable, Sendable {
        public var line: Int
        public var reason: String
    }

    /// The lines of a file: without the final newline's empty remainder.
    public static func lines(_ text: String) -> [Substring] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// The link of every line of the chained file at `path`, read a line at a time (for
    /// `firstBreak(links:)`); nil when the file cannot be read. A line that `holds` as
    /// Tally writes records is read at its fixed places, any other as `link` reads it:
    /// the links are those of `lines` (a tampered 1.5 GB ledger held whole took a minute
    /// and gigabytes to say where it breaks).
    public static func links(path: String) -> [Link?]? {
        guard let reader = LedgerLines(path: path) else { return nil }
        var links: [Link?] = []
        while let line = reader.next() {
            if line.count >= 149, let base = line.baseAddress {
                // `prev` as written, so that `holds` compares it with itself and checks the rest.
                var prev = Array(UnsafeBufferPointer(start: base + line.count - 140, count: 64))
                let claimed = String(decoding: UnsafeBufferPointer(start: base + line.count - 66, count: 64), as: UTF8.self)
                let prevText = String(decoding: prev, as: UTF8.self)
                if prev.allSatisfy({ hexValue($0) != nil }) {
                    if holds(line, previous: &prev) {
                        links.append(Link(hash: claimed, prev: prevText, intact: true))
                        continue
                    }
                }
            }
            links.append(link(Substring(String(decoding: line, as: UTF8.self))))
        }
        guard reader.problem == nil else { return nil }
        return links
    }

    /// Checks every link and names the first break: an edited record, an inserted one,
    /// records out of order, or removed ones.
    public static func firstBreak(_ lines: [Substring]) -> Break? {
        firstBreak(links: lines.map(link))
    }

    /// `firstBreak` over the lines' links (see `link`, `links(path:)`).
    public static func firstBreak(links: [Link?]) -> Break? {
        // A chain whose every link is intact and continues from the one before has no
        // break: the index of hashes below, which tells how a chain breaks, is made only
        // for one that does (400,000 hashes, 0.4 s, on every run after a close of the
        // reference kit's large data).
        var previous = genesis
        let whole = links.allSatisfy { link in
            guard let link, link.intact, link.prev == previous else { return false }
            previous = link.hash
            return true
        }
        if whole { return nil }
        var hashIndex: [String: Int] = [:]
        for (index, link) in links.enumerated() { if let link { hashIndex[link.hash] = index } }
        for index in links.indices {
            let number = index + 1
            let expected = index == 0 ? genesis : links[index - 1]?.hash
            // Written right after a record that now stands later: records were swapped.
            if let link = links[index], link.intact, link.prev != expected, let origin = hashIndex[link.prev], origin > index {
                return Break(line: number, reason: "records are out of order: this record was written right after the one now on line \(origin + 1)")
            }
            // A line the chain skips over: the next line continues from the one before.
            if index > 0, index + 1 < links.count, let next = links[index + 1], let before = links[index - 1],
               next.prev == before.hash, links[index]?.prev != before.hash {
                return Break(line: number, reason: "this record was inserted: the record after it continues the chain from line \(index)")
            }
            guard let link = links[index] else {
                return Break(line: number, reason: "this line is not a record of the chain (it has no `prev` and `hash`): it was inserted or damaged")
            }
            guard link.intact else {
                return Break(line: number, reason: "this record was edited after it was written: its content no longer matches its hash")
            }
            guard link.prev != expected else { continue }
            if let origin = hashIndex[link.prev] {
                if origin == index - 2 {
                    return Break(line: number, reason: "this record was written right after line \(origin + 1), but line \(index) now stands between them: line \(index) was inserted")
                }
                return Break(line: number, reason: "records are out of order: this record was written right after line \(origin + 1), but lines \(origin + 2)–\(index) now stand between them")
            }
            if index == 0 {
                return Break(line: number, reason: "the first record does not start the chain: records were removed from the start")
            }
            return Break(line: number, reason: "a record was removed before this line: it continues from a record that is not in the file")
        }
        return nil
    }
}
