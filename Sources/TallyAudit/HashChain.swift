import Crypto
import TallySource
import Foundation

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

    /// Seals in place the record that `writer` holds from `start` on, rendered without its
    /// closing brace: adds `prev`, `hash` and the newline after it. Returns its hash. (The
    /// writer then holds whole lines, written out as they are: copying each record into
    /// the log's pending bytes was a twentieth of rendering one.)
    static func seal(_ writer: inout JSONWriter, from start: Int, previous: String) -> String {
        let hash = writer.withBytes(from: start) { digest(of: $0, previous: previous) }
        writer.raw(",\"prev\":\"")
        writer.raw(previous)
        writer.raw("\",\"hash\":\"")
        writer.raw(hash)
        writer.raw("\"}\n")
        writer.startValue()
        return hash
    }

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
        return Digest.hex(hasher.finalize())
    }

    /// One line's parts: the hash it claims, the `prev` it names, and whether its hash
    /// matches its content.
    struct Link {
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

    /// Checks every link and names the first break: an edited record, an inserted one,
    /// records out of order, or removed ones.
    public static func firstBreak(_ lines: [Substring]) -> Break? {
        let links = lines.map(link)
        var hashIndex: [String: Int] = [:]
        for (index, link) in links.enumerated() { if let link { hashIndex[link.hash] = index } }
        for index in lines.indices {
            let number = index + 1
            let expected = index == 0 ? genesis : links[index - 1]?.hash
            // Written right after a record that now stands later: records were swapped.
            if let link = links[index], link.intact, link.prev != expected, let origin = hashIndex[link.prev], origin > index {
                return Break(line: number, reason: "records are out of order: this record was written right after the one now on line \(origin + 1)")
            }
            // A line the chain skips over: the next line continues from the one before.
            if index > 0, index + 1 < lines.count, let next = links[index + 1], let before = links[index - 1],
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
