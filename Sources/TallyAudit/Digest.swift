import Crypto
import Foundation
import TallyLedgers

/// SHA-256 digests: of each rule and ledger file, of the set of them (the rules version
/// and the inputs digest) and of each decision record (the hash chain).
public enum Digest {
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        Array(bytes).withUnsafeBytes { hex(raw: $0) }
    }

    /// Bytes in lower-case hex, read in place. (Every record of a run is hashed: a digest
    /// turned into an array first took three allocations a record.)
    static func hex(raw bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            writeHex(bytes, to: base)
            return 2 * bytes.count
        }
    }

    /// Writes bytes in lower-case hex at `out` (two digits a byte): a hash written
    /// straight into the record it seals.
    static func writeHex(_ bytes: UnsafeRawBufferPointer, to out: UnsafeMutablePointer<UInt8>) {
        var index = 0
        for byte in bytes {
            out[index] = hexDigit(byte >> 4)
            out[index + 1] = hexDigit(byte & 15)
            index += 2
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? 48 + value : 87 + value }

    /// SHA-256 of bytes, in hex.
    public static func sha256(bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// SHA-256 of a text, in hex.
    public static func sha256(_ text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// SHA-256 of a file's bytes, streamed; nil when it cannot be read.
    public static func file(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var hasher = SHA256()
        // One buffer for the whole file (see `FileBytes`).
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            guard let count = FileBytes.read(descriptor, into: buffer.baseAddress!, count: buffer.count) else { return nil }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return hex(hasher.finalize())
    }

    /// The digest of a set of files: SHA-256 of the lines `sha256sum` would print for
    /// them (`<hex>␠␠<name>\n`, in the order given), so that anyone can recompute it
    /// with `sha256sum FILES | sha256sum`. A missing file counts as the digest `missing`.
    public static func manifest(_ files: [FileDigest]) -> String {
        sha256(files.map { "\($0.sha256 ?? "missing")  \($0.name)\n" }.joined())
    }

    /// A key's fingerprint: 16 hex digits of HMAC-SHA-256(key, a fixed text). It tells
    /// whether a key changed without revealing anything about it.
    public static func fingerprint(key: [UInt8]) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data("tally key fingerprint".utf8), using: SymmetricKey(data: key)).prefix(8))
    }

    /// Digests every file.
    public static func files(_ paths: [(name: String, path: String)]) -> [FileDigest] {
        paths.map { FileDigest(name: $0.name, sha256: file($0.path)) }
    }
}

/// One file's name, as recorded, and its digest (nil when it could not be read).
public struct FileDigest: Sendable, Equatable {
    /// How a file was digested; its raw value is the member that records it.
    public enum Method: String, Sendable {
        /// The SHA-256 of the file's bytes: what `sha256sum` prints.
        case sha256
        /// The SHA-256 tree hash of the file (see `Digest.input`): an input larger than
        /// one leaf.
        case sha256Tree = "sha256_tree"
    }

    public var name: String
    /// The digest in hex: the file's SHA-256, or the root of its tree (see `method`).
    public var sha256: String?
    public var method: Method

    public init(name: String, sha256: String?, method: Method = .sha256) {
        self.name = name
        self.sha256 = sha256
        self.method = method
    }
}
