// Asks the processor to bring memory into the cache ahead of a read: Swift has no
// prefetch of its own. Loading the reference kit's clicks looks up each row's customer
// key in a 64 MB table, a cache miss per row; the lookup's slot is asked for early and
// the row's other fields are read while it arrives.
#ifndef TALLY_PREFETCH_H
#define TALLY_PREFETCH_H

static inline void tally_prefetch(const void *address) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(address, 0, 3);
#endif
}

/// The same for memory about to be written (a reference count let go of): asked for
/// as the writer's own, so the write does not wait for it a second time.
static inline void tally_prefetch_for_writing(const void *address) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(address, 1, 3);
#endif
}

#endif
