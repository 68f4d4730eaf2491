/*
 * ring.c - the trace ring's slow paths (ring.h): a full ring and pending drop records.
 * Pure C with compiler atomics, no hardware: tests/unit/test_trace_ring.c builds it on
 * the host and nests emits into every window of the fast path.
 */
#include "trace.h"

void trace_ring_init(struct trace_ring *ring, uint32_t *words, uint32_t capacity,
                     const volatile uint64_t *clock)
{
    ring->words = words;
    ring->capacity = capacity;
    ring->reserve = 0;
    ring->tail = 0;
    ring->pending_drops = 0;
    ring->dropped_total = 0;
    ring->clock = clock;
    ring->enabled = false;
}

/* Claim room for a drop record (2 words) carrying the pending count, followed by
 * `words` more for the event itself (0: the drop record alone). Returns false, and
 * counts the event as dropped, when there is no room. */
static bool emit_with_drops(struct trace_ring *ring, unsigned id, const void *payload,
                            uint32_t words)
{
    uint32_t drops = __atomic_exchange_n(&ring->pending_drops, 0, __ATOMIC_RELAXED);
    uint32_t drop_words = drops ? 1 + sizeof(struct trace_drop) / 4 : 0;
    uint32_t need = drop_words + words;
    uint64_t records = (drops ? 1 : 0) + (words ? 1 : 0);
    uint64_t old = READ_ONCE(ring->reserve);
    uint32_t tick;
    do {
        if (need == 0)
            return true;
        if ((uint32_t)old + need - READ_ONCE(ring->tail) > ring->capacity) {
            /* No room: give the count back, plus this event. */
            __atomic_fetch_add(&ring->pending_drops, drops + (words ? 1 : 0),
                               __ATOMIC_RELAXED);
            if (words)
                __atomic_fetch_add(&ring->dropped_total, 1, __ATOMIC_RELAXED);
            return false;
        }
        tick = (uint32_t)*ring->clock;
    } while (!__atomic_compare_exchange_n(&ring->reserve, &old, old + need + (records << 32),
                                          false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    uint32_t head = (uint32_t)old, seq = (uint32_t)(old >> 32);
    if (drops) {
        const struct trace_drop drop = { .count = drops };
        trace_ring_store(ring, head, seq, TRACE_ID_drop, tick, &drop, drop_words);
        head += drop_words;
        seq++;
    }
    if (words)
        trace_ring_store(ring, head, seq, id, tick, payload, words);
    return true;
}

void trace_ring_emit_slow(struct trace_ring *ring, unsigned id, const void *payload,
                          uint32_t bytes)
{
    if (!READ_ONCE(ring->enabled))
        return;
    emit_with_drops(ring, id, payload, 1 + bytes / 4);
}

void trace_ring_record_drops(struct trace_ring *ring)
{
    if (READ_ONCE(ring->pending_drops))
        emit_with_drops(ring, 0, NULL, 0);
}
