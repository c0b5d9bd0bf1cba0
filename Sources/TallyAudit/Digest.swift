import Crypto
import Foundation

/// SHA-256 digests: of the rule files (the rules version), of the input ledgers (the
/// inputs digest) and of each decision record (the hash chain).
public enum Digest {
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
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
