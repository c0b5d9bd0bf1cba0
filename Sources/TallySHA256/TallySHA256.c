// See include/TallySHA256.h. The rounds follow FIPS 180-4; the accelerated ones keep the
// state as the SHA extensions want it (two registers: A B E F and C D G H) and compute
// the message schedule four words at a time with sha256msg1/sha256msg2.
#include "TallySHA256.h"
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t initial_words[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

void tally_sha256_start(tally_sha256_state *state) { memcpy(state->words, initial_words, sizeof initial_words); }

// MARK: - Portable rounds

static inline uint32_t rotate(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void portable_blocks(uint32_t h[8], const uint8_t *bytes, size_t blocks) {
    for (; blocks > 0; blocks--, bytes += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++) {
            const uint8_t *p = bytes + 4 * i;
            w[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        }
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = k + (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) + ((e & f) ^ (~e & g)) + round_constants[i] + w[i];
            uint32_t t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
}

// MARK: - The SHA extensions

#if defined(__x86_64__)
#define ACCELERATED __attribute__((target("sha,ssse3,sse4.1")))

/// One message's state in the registers' layout, where it is in its bytes and how many
/// blocks it has left.
typedef struct {
    __m128i abef, cdgh;
    const uint8_t *bytes;
    size_t left;
    size_t index;
} lane;

ACCELERATED static inline void load_state(lane *l, const uint32_t words[8]) {
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&words[0]), 0xB1);  // b a d c
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&words[4]), 0x1B);  // h g f e
    l->abef = _mm_alignr_epi8(abcd, efgh, 8);     // f e b a (A in the top word)
    l->cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);  // h g d c (C in the top word)
}

ACCELERATED static inline void store_state(const lane *l, uint32_t words[8]) {
    __m128i feba = _mm_shuffle_epi32(l->abef, 0x1B);  // a b e f
    __m128i dchg = _mm_shuffle_epi32(l->cdgh, 0xB1);  // g h c d
    _mm_storeu_si128((__m128i *)&words[0], _mm_blend_epi16(feba, dchg, 0xF0));  // a b c d
    _mm_storeu_si128((__m128i *)&words[4], _mm_alignr_epi8(dchg, feba, 8));     // e f g h
}

/// Four message words of `bytes`, big-endian, from word `at`.
ACCELERATED static inline __m128i message(const uint8_t *bytes, int at) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(bytes + 4 * at)), swap);
}

/// The next four schedule words from the last sixteen (`oldest` first).
ACCELERATED static inline __m128i schedule(__m128i oldest, __m128i older, __m128i newer, __m128i newest) {
    __m128i partial = _mm_add_epi32(_mm_sha256msg1_epu32(oldest, older), _mm_alignr_epi8(newest, newer, 4));
    return _mm_sha256msg2_epu32(partial, newest);
}

/// Four rounds with schedule words `w` (round `group * 4` on).
ACCELERATED static inline void rounds(__m128i *abef, __m128i *cdgh, __m128i w, int group) {
    __m128i wk = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)&round_constants[4 * group]));
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(wk, 0x0E));
}

/// `blocks` blocks of one lane.
ACCELERATED static void one_lane(lane *x, size_t blocks) {
    for (; blocks > 0; blocks--, x->bytes += 64) {
        __m128i abef = x->abef, cdgh = x->cdgh, m[4];
#pragma clang loop unroll(full)
        for (int g = 0; g < 16; g++) {
            m[g % 4] = g < 4 ? message(x->bytes, 4 * g) : schedule(m[g % 4], m[(g + 1) % 4], m[(g + 2) % 4], m[(g + 3) % 4]);
            rounds(&abef, &cdgh, m[g % 4], g);
        }
        x->abef = _mm_add_epi32(x->abef, abef);
        x->cdgh = _mm_add_epi32(x->cdgh, cdgh);
    }
}

/// `blocks` blocks of two lanes, their rounds interleaved: each lane's rounds wait on
/// the one before, and the other lane's fill the wait.
ACCELERATED static void two_lanes(lane *x, lane *y, size_t blocks) {
    for (; blocks > 0; blocks--, x->bytes += 64, y->bytes += 64) {
        __m128i xabef = x->abef, xcdgh = x->cdgh, xm[4];
        __m128i yabef = y->abef, ycdgh = y->cdgh, ym[4];
#pragma clang loop unroll(full)
        for (int g = 0; g < 16; g++) {
            xm[g % 4] = g < 4 ? message(x->bytes, 4 * g) : schedule(xm[g % 4], xm[(g + 1) % 4], xm[(g + 2) % 4], xm[(g + 3) % 4]);
            ym[g % 4] = g < 4 ? message(y->bytes, 4 * g) : schedule(ym[g % 4], ym[(g + 1) % 4], ym[(g + 2) % 4], ym[(g + 3) % 4]);
            rounds(&xabef, &xcdgh, xm[g % 4], g);
            rounds(&yabef, &ycdgh, ym[g % 4], g);
        }
        x->abef = _mm_add_epi32(x->abef, xabef);
        x->cdgh = _mm_add_epi32(x->cdgh, xcdgh);
        y->abef = _mm_add_epi32(y->abef, yabef);
        y->cdgh = _mm_add_epi32(y->cdgh, ycdgh);
    }
}

ACCELERATED static void accelerated_blocks(uint32_t words[8], const uint8_t *bytes, size_t blocks) {
    lane x;
    load_state(&x, words);
    x.bytes = bytes;
    one_lane(&x, blocks);
    store_state(&x, words);
}

/// Takes the next message with blocks into `l`; false when none is left. (A message
/// without a whole block keeps its state as it is.)
ACCELERATED static inline int take_next(lane *l, tally_sha256_state *states, const uint8_t *base, const size_t *starts,
                                        const size_t *blocks, size_t count, size_t *next) {
    while (*next < count) {
        size_t index = (*next)++;
        if (blocks[index] == 0) continue;
        load_state(l, states[index].words);
        l->bytes = base + starts[index];
        l->left = blocks[index];
        l->index = index;
        return 1;
    }
    return 0;
}

ACCELERATED static void accelerated_many(tally_sha256_state *states, const uint8_t *base, const size_t *starts,
                                         const size_t *blocks, size_t count) {
    size_t next = 0;
    lane x, y;
    int hasX = take_next(&x, states, base, starts, blocks, count, &next);
    int hasY = hasX && take_next(&y, states, base, starts, blocks, count, &next);
    while (hasX && hasY) {
        size_t both = x.left < y.left ? x.left : y.left;
        two_lanes(&x, &y, both);
        x.left -= both;
        y.left -= both;
        if (x.left == 0) {
            store_state(&x, states[x.index].words);
            hasX = take_next(&x, states, base, starts, blocks, count, &next);
        }
        if (y.left == 0) {
            store_state(&y, states[y.index].words);
            hasY = take_next(&y, states, base, starts, blocks, count, &next);
        }
    }
    lane *last = hasX ? &x : (hasY ? &y : NULL);
    if (last) {
        one_lane(last, last->left);
        store_state(last, states[last->index].words);
    }
}

static int processor_has_extensions(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return ssse3 && sse41 && ((b >> 29) & 1);
}
#endif

// MARK: - Choosing

/// -1 until asked, then whether the extensions are there (read and written atomically:
/// any thread may ask first, and all find the same answer).
static int extensions = -1;
static int portable_only = 0;

int tally_sha256_accelerated(void) {
#if defined(__x86_64__)
    if (__atomic_load_n(&portable_only, __ATOMIC_RELAXED)) return 0;
    int known = __atomic_load_n(&extensions, __ATOMIC_RELAXED);
    if (known < 0) {
        known = processor_has_extensions();
        __atomic_store_n(&extensions, known, __ATOMIC_RELAXED);
    }
    return known;
#else
    return 0;
#endif
}

void tally_sha256_use_portable(int portable) { __atomic_store_n(&portable_only, portable ? 1 : 0, __ATOMIC_RELAXED); }

void tally_sha256_blocks(tally_sha256_state *state, const uint8_t *bytes, size_t blocks) {
    if (blocks == 0) return;
#if defined(__x86_64__)
    if (tally_sha256_accelerated()) {
        accelerated_blocks(state->words, bytes, blocks);
        return;
    }
#endif
    portable_blocks(state->words, bytes, blocks);
}

void tally_sha256_many(tally_sha256_state *states, const uint8_t *base, const size_t *starts, const size_t *blocks,
                       size_t count) {
#if defined(__x86_64__)
    if (tally_sha256_accelerated()) {
        accelerated_many(states, base, starts, blocks, count);
        return;
    }
#endif
    for (size_t index = 0; index < count; index++) portable_blocks(states[index].words, base + starts[index], blocks[index]);
}

void tally_sha256_finish(tally_sha256_state *state, const uint8_t *bytes, size_t count, uint64_t length,
                         uint8_t digest[32]) {
    size_t whole = count / 64, rest = count % 64;
    tally_sha256_blocks(state, bytes, whole);
    uint8_t last[128];
    memcpy(last, bytes + 64 * whole, rest);
    last[rest] = 0x80;
    size_t padded = rest + 1 + 8 <= 64 ? 64 : 128;
    memset(last + rest + 1, 0, padded - rest - 1 - 8);
    uint64_t bits = length * 8;
    for (int i = 0; i < 8; i++) last[padded - 1 - i] = (uint8_t)(bits >> (8 * i));
    tally_sha256_blocks(state, last, padded / 64);
    for (int i = 0; i < 8; i++) {
        uint32_t word = state->words[i];
        digest[4 * i] = (uint8_t)(word >> 24);
        digest[4 * i + 1] = (uint8_t)(word >> 16);
        digest[4 * i + 2] = (uint8_t)(word >> 8);
        digest[4 * i + 3] = (uint8_t)word;
    }
}
