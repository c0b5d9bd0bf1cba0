import Foundation
@testable import TallyAudit
import TallyTestSupport
import XCTest

/// The ledger's bytes reach its file exactly, whether written straight to the disk in
/// whole blocks or, where that is refused, through the page cache.
final class LedgerFileWriterTests: XCTestCase {
    /// Bytes in pieces of every size, more than two blocks and an odd tail (slices of one
    /// random pool, made a word at a time: byte by byte took seconds in a debug build).
    private func pieces() -> [[UInt8]] {
        var random = SeededRandom(seed: 5)
        let pool = [UInt64](unsafeUninitializedCapacity: (4 << 20) / 8) { words, count in
            for index in 0..<words.count { words[index] = random.next() }
            count = words.count
        }.withUnsafeBytes { Array($0) }
        var pieces: [[UInt8]] = []
        var total = 0
        while total < 2 * LedgerFileWriter.blockSize + 12_345 {
            let count = [1, 7, 4096, 4097, 300_000, 3 << 20][random.below(6)]
            let start = random.below(pool.count - count)
            pieces.append(Array(pool[start..<start + count]))
            total += count
        }
        return pieces
    }

    private func joined(_ pieces: [[UInt8]]) -> Data {
        var data = Data()
        for piece in pieces { data.append(contentsOf: piece) }
        return data
    }

    private func write(_ pieces: [[UInt8]], to descriptor: Int32) -> Int {
        let writer = LedgerFileWriter(descriptor: descriptor)
        for piece in pieces { piece.withUnsafeBytes { writer.append($0) } }
        let length = writer.finish()
        XCTAssertNil(writer.problem)
        return length
    }

    /// A new empty file in the temporary folder, open for writing (removed after the test).
    private func scratchFile() -> (path: String, descriptor: Int32) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-ledger-\(UUID().uuidString)").path
        addTeardownBlock { unlink(path) }
        return (path, open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644))
    }

    func testBytesReachTheFileExactly() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-ledger-\(UUID().uuidString)").path
        defer { unlink(path) }
        // An earlier, longer ledger rewritten in place: what lies past the new length goes.
        try Data(repeating: 0x2A, count: 3 * LedgerFileWriter.blockSize).write(to: URL(fileURLWithPath: path))
        let descriptor = open(path, O_WRONLY)
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        let pieces = pieces()
        let length = write(pieces, to: descriptor)
        XCTAssertEqual(ftruncate(descriptor, off_t(length)), 0)
        close(descriptor)
        XCTAssertEqual(length, pieces.reduce(0) { $0 + $1.count })
        XCTAssertTrue(try Data(contentsOf: URL(fileURLWithPath: path)) == joined(pieces), "the file holds the bytes written")
    }

    /// A file already written to at an offset direct writes cannot start from: written
    /// through the page cache, after what it holds.
    func testAnUnalignedStartIsWrittenThroughThePageCache() throws {
        let (path, descriptor) = scratchFile()
        XCTAssertEqual(Foundation.write(descriptor, "abc", 3), 3)
        let pieces = pieces()
        XCTAssertEqual(write(pieces, to: descriptor), 3 + pieces.reduce(0) { $0 + $1.count })
        close(descriptor)
        XCTAssertTrue(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("abc".utf8) + joined(pieces), "the file holds the bytes written")
    }

    /// Writes through `pwrite` that fail with `error` from the `failing`th call on, once
    /// or always (the writer's thread and the caller's take turns: one at a time).
    final class Writes: @unchecked Sendable {
        var calls = 0, refused = 0
        let failing: Int, error: Int32, always: Bool
        init(failing: Int, error: Int32, always: Bool) {
            self.failing = failing
            self.error = error
            self.always = always
        }
        func write(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ at: off_t) -> Int {
            calls += 1
            if calls >= failing, always || refused == 0 {
                refused += 1
                errno = error
                return -1
            }
            return pwrite(descriptor, bytes, count, at)
        }
    }

    /// A direct write the file system accepted when the file was opened and refuses on
    /// the second block: that block and the rest go through the page cache, and the file
    /// holds every byte.
    func testADirectWriteRefusedPartWayGoesThroughThePageCache() throws {
        let (path, descriptor) = scratchFile()
        let writes = Writes(failing: 2, error: EINVAL, always: false)
        let writer = LedgerFileWriter(descriptor: descriptor, writeBytes: writes.write)
        try XCTSkipUnless(writer.isDirect, "the temporary folder's file system takes no direct writes")
        let pieces = pieces()
        for piece in pieces { piece.withUnsafeBytes { writer.append($0) } }
        XCTAssertEqual(writer.finish(), pieces.reduce(0) { $0 + $1.count })
        XCTAssertNil(writer.problem)
        close(descriptor)
        XCTAssertEqual(writes.refused, 1)
        XCTAssertFalse(writer.isDirect, "the page cache from the refusal on")
        XCTAssertTrue(try Data(contentsOf: URL(fileURLWithPath: path)) == joined(pieces), "the file holds the bytes written")
    }

    /// A write that fails for good (a full disk) is the writer's problem, in words, and
    /// the bytes after it are not written.
    func testAFailedWriteIsAProblemInWords() throws {
        let (path, descriptor) = scratchFile()
        let writes = Writes(failing: 2, error: ENOSPC, always: true)
        let writer = LedgerFileWriter(descriptor: descriptor, writeBytes: writes.write)
        for piece in pieces() { piece.withUnsafeBytes { writer.append($0) } }
        _ = writer.finish()
        close(descriptor)
        XCTAssertEqual(writer.problem, "No space left on device")
        XCTAssertEqual(writes.refused, 1, "nothing written once a write failed")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).count, LedgerFileWriter.blockSize, "the first block only")
    }
}
