import Crypto
import Foundation
@testable import TallyAudit
import TallySHA256
import TallyTestSupport
import XCTest

/// Input files larger than a leaf (1 MiB) are recorded by their SHA-256 tree hash, the
/// tree Amazon S3 Glacier defines; smaller ones by their SHA-256, which is the same value.
final class TreeDigestTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-tree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        tally_sha256_use_portable(0)
        try? FileManager.default.removeItem(at: folder)
    }

    func file(_ bytes: [UInt8], _ name: String = "ledger.csv") throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// The tree computed the plain way, with swift-crypto: each leaf, then pairs.
    func expectedTree(_ bytes: [UInt8]) -> String {
        let leaf = Digest.treeLeaf
        var level = stride(from: 0, to: max(bytes.count, 1), by: leaf).map { start in
            Array(SHA256.hash(data: bytes[start..<min(start + leaf, bytes.count)]))
        }
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { index in
                index + 1 < level.count ? Array(SHA256.hash(data: level[index] + level[index + 1])) : level[index]
            }
        }
        return Digest.hex(level[0])
    }

    func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        var bytes = [UInt8](repeating: 0, count: count)
        // Eight random bytes at a time: a few megabytes byte by byte is slow in debug.
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < count {
                var word = random.next()
                let take = min(8, count - offset)
                withUnsafeBytes(of: &word) { raw.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: take) }
                offset += take
            }
        }
        return bytes
    }

    func testTheTreeAtEveryLeafBoundary() throws {
        let leaf = Digest.treeLeaf
        let all = bytes(5 * leaf + 100, seed: 7)
        for portable in [0, 1] {
            tally_sha256_use_portable(Int32(portable))
            for count in [0, 1, 63, 64, 65, leaf - 1, leaf, leaf + 1, 2 * leaf, 2 * leaf + 64, 3 * leaf + 5, 4 * leaf, 5 * leaf + 100] {
                let path = try file(Array(all[..<count]))
                let input = try XCTUnwrap(Digest.input(path))
                XCTAssertEqual(input.hex, expectedTree(Array(all[..<count])), "\(count) bytes, portable: \(portable)")
                XCTAssertEqual(input.method, count > leaf ? .sha256Tree : .sha256, "\(count) bytes")
                XCTAssertEqual(Digest.file(path, as: input.method), input.hex, "\(count) bytes")
                if count <= leaf { XCTAssertEqual(input.hex, Digest.file(path), "one leaf is the file's SHA-256: \(count) bytes") }
            }
        }
    }

    /// A file larger than two leaves is hashed where it lies, mapped a window at a time:
    /// the same tree as read into a buffer.
    func testAMappedFileHasTheTreeOfItsBytesRead() throws {
        let leaf = Digest.treeLeaf, window = MappedFile.window
        let all = bytes(window + 3 * leaf + 7, seed: 11)
        for count in [2 * leaf + 1, 3 * leaf, 4 * leaf, 6 * leaf + 3, window, window + leaf, window + 3 * leaf + 7] {
            let path = try file(Array(all[..<count]))
            let mapped = try XCTUnwrap(Digest.tree(path)), read = try XCTUnwrap(Digest.tree(path, mapping: false))
            XCTAssertEqual(mapped.root, read.root, "\(count) bytes")
            XCTAssertEqual(mapped.leaves, read.leaves, "\(count) bytes")
            XCTAssertEqual(Digest.hex(mapped.root), expectedTree(Array(all[..<count])), "\(count) bytes")
        }
    }

    func testAFixedTreeAsScriptsInputDigestsComputesIt() throws {
        // Byte i is (7i + i / 1000) mod 256, 3 MiB and 5 bytes: four leaves, the last of
        // 5 bytes, so the second level has two pairs. The digests were computed by
        // `scripts/input_digests.py` and `sha256sum`.
        let count = 3 * Digest.treeLeaf + 5
        let path = try file((0..<count).map { UInt8(truncatingIfNeeded: 7 * $0 + $0 / 1000) })
        XCTAssertEqual(Digest.input(path)?.hex, "0511e8c1b616bcb97839604308a86c6995f23d12e94f2e56b7e6eeeb996136c4")
        XCTAssertEqual(Digest.file(path), "87508ebbe29e66172a2e8b5772ced16d567d3a6af52203b1b7c66f3c94a0d351")
        XCTAssertEqual(Digest.file(path, as: .sha256), Digest.file(path))
    }

    func testAnUnreadableFileHasNoDigest() {
        XCTAssertNil(Digest.input(folder.appendingPathComponent("missing.csv").path))
        XCTAssertNil(Digest.file(folder.appendingPathComponent("missing.csv").path, as: .sha256Tree))
    }
}
