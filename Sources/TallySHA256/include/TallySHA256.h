// SHA-256 over many independent messages at once. The hash chain of decisions.jsonl
// hashes each record's body on its own (see HashChain.BodyHash), some 1.5 GB on the
// reference kit's large data, and a large input's digest is a tree of 1 MiB leaves
// hashed on their own (see Digest.input), 2.1 GB there. With the x86 SHA extensions one message runs at the
// latency of the round instruction (about 2 cycles a byte here, 1.5 GB/s), leaving its
// units idle three cycles in four; two messages interleaved keep them busy. In C because
// Swift has no way to reach these instructions.
//
// The digests are those of any SHA-256 (FIPS 180-4): tests compare them with
// swift-crypto's at every length, and `scripts/verify_chain.py` re-hashes every record.
#ifndef TALLY_SHA256_H
#define TALLY_SHA256_H

#include <stddef.h>
#include <stdint.h>

/// The working state of one message: its eight words, between blocks.
typedef struct {
    uint32_t words[8];
} tally_sha256_state;

/// The state before a message's first block.
void tally_sha256_start(tally_sha256_state *state);

/// Takes in `blocks` whole blocks of 64 bytes.
void tally_sha256_blocks(tally_sha256_state *state, const uint8_t *bytes, size_t blocks);

/// Takes in the whole blocks of `count` messages, each `blocks[i]` blocks long and
/// starting at `base + starts[i]`, into `states[i]`: two at a time where the processor
/// has the SHA extensions (the result is the same as one at a time).
void tally_sha256_many(tally_sha256_state *states, const uint8_t *base, const size_t *starts,
                       const size_t *blocks, size_t count);

/// Ends a message: takes in its last `count` bytes (`bytes`, any length) and the padding
/// for a message of `length` bytes in all, and writes the 32-byte digest.
void tally_sha256_finish(tally_sha256_state *state, const uint8_t *bytes, size_t count, uint64_t length,
                         uint8_t digest[32]);

/// Whether the SHA extensions are used (else the portable rounds, one message at a time).
int tally_sha256_accelerated(void);

/// Makes every later call use the portable rounds (nonzero) or what the processor has
/// (zero), for tests that compare the two.
void tally_sha256_use_portable(int portable);

#endif
