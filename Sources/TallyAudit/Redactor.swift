import Crypto
import Foundation

/// Replaces personal identifiers (customer keys, emails, ip addresses, device ids) by
/// keyed pseudonyms, so outputs can be shared with partners (`--redact`). The pseudonym
/// is `anon-` and 16 hex digits of HMAC-SHA-256(key, program name, value): the same value
/// gets the same pseudonym within a program, and without the key nobody can test a guess.
public struct Redactor: Sendable {
    let key: SymmetricKey
    let program: String
    /// The identifiers of the run, lower-cased and trimmed.
    let sensitive: Set<String>

    /// `secret` is the redaction key's bytes; `identifiers` every personal identifier in
    /// the ledgers.
    public init(secret: [UInt8], program: String, identifiers: some Sequence<String>) {
        key = SymmetricKey(data: secret)
        self.program = program
        var set = Set<String>()
        for value in identifiers {
            let normal = Redactor.normal(value)
            if !normal.isEmpty { set.insert(normal) }
        }
        sensitive = set
    }

    static func normal(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The pseudonym of one identifier (empty stays empty).
    public func pseudonym(_ value: String) -> String {
        let normal = Redactor.normal(value)
        guard !normal.isEmpty else { return value }
        let mac = HMAC<SHA256>.authenticationCode(for: Data((program + "\n" + normal).utf8), using: key)
        return "anon-" + Digest.hex(Array(mac).prefix(8))
    }

    /// A text with every identifier in it replaced: the whole text when it is one, else
    /// each word of it (words split at anything but letters, digits and `@._+:-`, with a
    /// trailing `.` or `:` left out) that is a known identifier or looks like an email
    /// or an ip address, so free text (survey answers, notes) does not leak either.
    public func scrub(_ text: String) -> String {
        guard !text.isEmpty else { return text }
        if sensitive.contains(Redactor.normal(text)) { return pseudonym(text) }
        var out = ""
        var word = ""
        func flush() {
            defer { word = "" }
            // The whole word first: `2001:db8::` ends in colons of its own.
            if !word.isEmpty, isIdentifier(word) {
                out += pseudonym(word)
                return
            }
            var trailing = ""
            while let last = word.last, last == "." || last == ":" {
                trailing = String(last) + trailing
                word.removeLast()
            }
            if !word.isEmpty { out += isIdentifier(word) ? pseudonym(word) : word }
            out += trailing
        }
        for character in text {
            if character.isLetter || character.isNumber || "@._+:-".contains(character) {
                word.append(character)
            } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }

    func isIdentifier(_ word: String) -> Bool {
        if sensitive.contains(word.lowercased()) { return true }
        // An email: something@domain.tld.
        if let at = word.firstIndex(of: "@"), at != word.startIndex, word[word.index(after: at)...].contains(".") { return true }
        // IPv4, also with a port: four numbers up to 255 (`10.1.2.3`, `10.1.2.3:8080`).
        var address = Substring(word)
        if let colon = word.lastIndex(of: ":"), !word[word.index(after: colon)...].isEmpty,
           word[word.index(after: colon)...].allSatisfy(\.isNumber), word[..<colon].contains(".") {
            address = word[..<colon]
        }
        let parts = address.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && Int($0).map { $0 <= 255 } == true }) {
            return true
        }
        // IPv6: hex groups and colons, at least three colons or a `::` (so 18:22:05 is a time).
        let colons = word.filter { $0 == ":" }.count
        if colons >= 2, colons >= 3 || word.contains("::"), word.allSatisfy({ $0 == ":" || $0.isHexDigit }) { return true }
        return false
    }
}
