/*
 * ring.c - the trace ring's slow paths (ring.h): recording off, a full ring, pending drop
 * records, the resume record, and reopening the writers' gate (limit). Pure C with
 * compiler atomics and no hardware: tests/unit/test_trace_ring.c builds it on the host
 * and nests emits into every window of the fast path.
 */
#include "trace.h"

/* Store the gate, then re-check what closes it: a writer that closed it meanwhile (an
 * IRQ between our load of tail and our store) is not overruled. */
static void open_gate(struct trace_ring *ring)
{
    WRITE_ONCE(ring->limit, READ_ONCE(ring->tail) + ring->mask + 1);
    barrier();
    if (!READ_ONCE(ring->enabled) || READ_ONCE(ring->pending_drops))
        WRITE_ONCE(ring->limit, 0);
}

void trace_ring_init(struct trace_ring *ring, uint32_t capacity,
                     const volatile uint64_t *clock)
{
    __builtin_memset(ring->words, 0, (capacity + TRACE_RING_SLACK) * sizeof(uint32_t));
    ring->head = ring->limit = ring->tail = 0;   /* free words read zero (ring.h) */
    ring->mask = capacity - 1;
    ring->pending_drops = 0;
    ring->dropped_total = 0;
    ring->clock = clock;
    ring->enabled = false;
    ring->was_enabled = false;
}

/* Claim room for a drop record carrying the pending count, followed by `words` more for
 * the event itself (0: the drop record alone). No room: the event is counted as dropped
 * too. A drop record carries the tick read inside the claim, so that its full tick
 * agrees with its header and with the records around it. */
static void emit_with_drops(struct trace_ring *ring, unsigned id, const void *payload,
                            uint32_t words)
{
    uint32_t drops = __atomic_exchange_n(&ring->pending_drops, 0, __ATOMIC_RELAXED);
    uint32_t drop_words = drops ? 1 + sizeof(struct trace_drop) / 4 : 0;
    uint32_t need = drop_words + words;
    uint64_t head = READ_ONCE(ring->head);
    uint32_t tick;
    do {
        if (need == 0)
            return;
        if (head + need - READ_ONCE(ring->tail) > ring->mask + 1) {
            __atomic_fetch_add(&ring->pending_drops, drops + (words ? 1 : 0),
                               __ATOMIC_RELAXED);
            if (words)
                __atomic_fetch_add(&ring->dropped_total, 1, __ATOMIC_RELAXED);
            WRITE_ONCE(ring->limit, 0);             /* the next writer comes here too */
            return;
        }
        tick = (uint32_t)*ring->clock;
    } while (!__atomic_compare_exchange_n(&ring->head, &head, head + need, false,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    if (drops) {
        const struct trace_drop drop = { .count = drops, .tick = tick };
        trace_ring_store(ring, head, TRACE_ID_drop, tick, &drop, drop_words);
        head += drop_words;
    }
    if (words)
        trace_ring_store(ring, head, id, tick, payload, words);
    open_gate(ring);
}

void trace_ring_emit_slow(struct trace_ring *ring, unsigned id, const void *payload,
                          uint32_t bytes, uint64_t small)
{
    if (!READ_ONCE(ring->enabled))
        return;
    emit_with_drops(ring, id, payload ? payload : &small, 1 + bytes / 4);
}

void trace_ring_record_drops(struct trace_ring *ring)
{
    if (READ_ONCE(ring->pending_drops))
        emit_with_drops(ring, 0, NULL, 0);
}

void trace_ring_set_enabled(struct trace_ring *ring, bool enabled)
{
    /* Back on after a while off: the resume record goes in while the gate is still
     * closed, so no writer gets ahead of it with a tick the decoders cannot place. */
    if (enabled && !READ_ONCE(ring->enabled) && ring->was_enabled) {
        /* Every other writer is turned away meanwhile, so no record can come between
         * this clock read and the claim; a tick arriving between them only makes the
         * field one behind its header, and decoders take the field. */
        const struct trace_resume resume = { .tick = (uint32_t)*ring->clock };
        emit_with_drops(ring, TRACE_ID_resume, &resume, 1 + sizeof(resume) / 4);
    }
    ring->was_enabled |= enabled;
    WRITE_ONCE(ring->enabled, enabled);
    barrier();
    open_gate(ring);
    if (!enabled)
        trace_ring_record_drops(ring);          /* the last record before the silence */
}

void trace_ring_release(struct trace_ring *ring, uint64_t tail)
{
    barrier();                                  /* the records are copied out */
    WRITE_ONCE(ring->tail, tail);
    barrier();
    open_gate(ring);
}
