import Crypto
import Foundation
import TallyLedgers

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

    /// The value trimmed of whitespace and lower-cased, as identifiers are compared.
    /// ASCII text is trimmed of spaces and tabs (the only ASCII members of
    /// `CharacterSet.whitespaces`) and lower-cased byte by byte: through Foundation's
    /// trimming, `--redact` spent a fifth of its time here (the reference kit's medium data).
    static func normal(_ value: String) -> String {
        var value = value
        if let ascii = value.withUTF8({ bytes -> String? in
            guard UTF8Text.isASCII(bytes) else { return nil }
            var start = 0, end = bytes.count
            while start < end, bytes[start] == 32 || bytes[start] == 9 { start += 1 }
            while end > start, bytes[end - 1] == 32 || bytes[end - 1] == 9 { end -= 1 }
            return lowercased(ascii: UnsafeBufferPointer(rebasing: bytes[start..<end]))
        }) { return ascii }
        return value.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// ASCII bytes as text, lower-cased.
    static func lowercased(ascii bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte >= 65 && byte <= 90 ? byte + 32 : byte }
            return bytes.count
        }
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
            if Redactor.isWordPart(character) {
                word.append(character)
            } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }

    /// Whether a character belongs to a word: a letter, a digit or one of `@._+:-`. An
    /// ASCII one is told by its byte (looking up Unicode properties for every character
    /// of every trace was a tenth of `--redact`'s time); a CR LF pair, whose `asciiValue`
    /// is the LF, is no part of a word either way.
    static func isWordPart(_ character: Character) -> Bool {
        if let byte = character.asciiValue {
            switch byte {
            case 48...57, 65...90, 97...122, 64, 46, 95, 43, 58, 45: return true
            default: return false
            }
        }
        return character.isLetter || character.isNumber
    }

    func isIdentifier(_ word: String) -> Bool {
        var word = word
        if let ascii = word.withUTF8({ UTF8Text.isASCII($0) ? isIdentifier(ascii: $0) : nil }) { return ascii }
        return isIdentifier(characters: word)
    }

    /// `isIdentifier` for an ASCII word, byte by byte: the same tests as
    /// `isIdentifier(characters:)`, which are most of `--redact`'s time when made on
    /// `Character`s (every word of every trace is tested).
    func isIdentifier(ascii word: UnsafeBufferPointer<UInt8>) -> Bool {
        if sensitive.contains(Redactor.lowercased(ascii: word)) { return true }
        let colon: UInt8 = 58, dot: UInt8 = 46
        func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
        // An email: something@domain.tld.
        if let at = word.firstIndex(of: 64), at != 0, word[(at + 1)...].contains(dot) { return true }
        // IPv4, also with a port.
        var address = word[...]
        if let last = word.lastIndex(of: colon), last + 1 < word.count, word[(last + 1)...].allSatisfy(isDigit), word[..<last].contains(dot) {
            address = word[..<last]
        }
        let parts = address.split(separator: dot, omittingEmptySubsequences: false)
        // Each part as `Int` reads it: an optional sign, then digits.
        func byte(_ part: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
            guard !part.isEmpty, part.count <= 3 else { return false }
            var digits = part[...]
            var negative = false
            if let sign = digits.first, sign == 43 || sign == 45 {
                negative = sign == 45
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.allSatisfy(isDigit) else { return false }
            let value = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
            return (negative ? -value : value) <= 255
        }
        if parts.count == 4, parts.allSatisfy(byte) { return true }
        // IPv6.
        let colons = word.reduce(0) { $0 + ($1 == colon ? 1 : 0) }
        if colons >= 2, colons >= 3 || zip(word, word.dropFirst()).contains(where: { $0 == colon && $1 == colon }),
           word.allSatisfy({ $0 == colon || isDigit($0) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }) {
            return true
        }
        return false
    }

    /// `isIdentifier` for any word, on its `Character`s.
    func isIdentifier(characters word: String) -> Bool {
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
