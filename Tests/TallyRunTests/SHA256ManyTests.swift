import Crypto
import TallySHA256
import TallyTestSupport
import XCTest

/// The hash chain's own SHA-256 (`TallySHA256`: many record bodies at once, two
/// interleaved) gives swift-crypto's digests, with the processor's SHA extensions and with
/// the portable rounds, at every length around the block and padding boundaries.
final class SHA256ManyTests: XCTestCase {
    override func tearDown() {
        tally_sha256_use_portable(0)
    }

    /// Bytes that are not all alike, so that a misplaced word shows.
    func message(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    func expected(_ bytes: ArraySlice<UInt8>) -> [UInt8] { Array(SHA256.hash(data: Array(bytes))) }

    /// `bytes` hashed by `tally_sha256_finish` alone.
    func digest(_ bytes: [UInt8]) -> [UInt8] {
        var state = tally_sha256_state()
        tally_sha256_start(&state)
        var digest = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBufferPointer { tally_sha256_finish(&state, $0.baseAddress, $0.count, UInt64($0.count), &digest) }
        return digest
    }

    func testOneMessageAtEveryLength() {
        let bytes = message(300, seed: 1)
        for portable in [0, 1] {
            tally_sha256_use_portable(Int32(portable))
            for count in 0...bytes.count {
                XCTAssertEqual(digest(Array(bytes[..<count])), expected(bytes[..<count]), "\(count) bytes, portable: \(portable)")
            }
        }
        // The digest of "abc" (FIPS 180-4, appendix B.1), against a fixed text.
        XCTAssertEqual(digest(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined(),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// Messages of uneven lengths (so that the two lanes part and take new messages at
    /// different times, and some have no whole block), hashed together and then ended
    /// one by one, as `RenderedBodies` does.
    func testManyMessagesAtOnce() {
        var random = SeededRandom(seed: 7)
        let lengths = (0..<41).map { index in index % 9 == 0 ? Int.random(in: 0..<64, using: &random) : Int.random(in: 0..<2_000, using: &random) }
        let bytes = message(lengths.reduce(0, +), seed: 3)
        var starts: [Int] = [], blocks: [Int] = []
        var start = 0
        for length in lengths {
            starts.append(start)
            blocks.append(length / 64)
            start += length
        }
        for portable in [0, 1] {
            tally_sha256_use_portable(Int32(portable))
            var initial = tally_sha256_state()
            tally_sha256_start(&initial)
            var states = Array(repeating: initial, count: lengths.count)
            bytes.withUnsafeBufferPointer { tally_sha256_many(&states, $0.baseAddress, starts, blocks, lengths.count) }
            for index in lengths.indices {
                let whole = starts[index] + 64 * blocks[index], end = starts[index] + lengths[index]
                var digest = [UInt8](repeating: 0, count: 32)
                bytes.withUnsafeBufferPointer {
                    tally_sha256_finish(&states[index], $0.baseAddress! + whole, end - whole, UInt64(lengths[index]), &digest)
                }
                XCTAssertEqual(digest, expected(bytes[starts[index]..<end]), "message \(index) of \(lengths[index]) bytes, portable: \(portable)")
            }
        }
    }
}
