import Crypto
import Foundation

/// SHA-256 digests: of the rule files (the rules version), of the input ledgers (the
/// inputs digest) and of each decision record (the hash chain).
public enum Digest {
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// SHA-256 of bytes, in hex.
    public static func sha256(bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// SHA-256 of a text, in hex.
    public static func sha256(_ text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// SHA-256 over files in order: each file's name length, name, size and bytes, so
    /// renaming, reordering or editing any file changes the digest. Streams each file.
    public static func files(_ paths: [(name: String, path: String)]) -> String {
        var hasher = SHA256()
        for (name, path) in paths {
            hasher.update(data: Data("\(name.utf8.count):\(name)\n".utf8))
            guard let handle = FileHandle(forReadingAtPath: path) else {
                hasher.update(data: Data("missing\n".utf8))
                continue
            }
            while true {
                let chunk = handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty { break }
                hasher.update(data: chunk)
            }
            try? handle.close()
            hasher.update(data: Data("\n".utf8))
        }
        return hex(hasher.finalize())
    }
}
