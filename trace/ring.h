/*
 * ring.h - the lock-free trace ring: reservation by compare-and-swap, so an interrupt
 * handler may record while the code it interrupted is in the middle of recording.
 *
 *   words[capacity]   (32-bit words, capacity a power of two)
 *   +--------+---------+--------+------+-----------------+--------+-------
 *   | hdr    | payload | hdr    | hdr  | payload ...     | (free) |
 *   +--------+---------+--------+------+-----------------+--------+-------
 *   ^ tail: advanced only by the reader (the drain), after it has copied a record out
 *                                                        ^ head: advanced only by writers
 *   reserve = head | seq << 32: one 64-bit word, so a writer claims its space and its
 *   sequence number in a single compare-and-swap; a nested writer that gets in between
 *   makes the outer CAS fail and retry, so ring order, sequence order and tick order
 *   always agree. Head and tail are free-running word counters (masked on access).
 *   Record header word: event id (bits 0-7) | seq low 8 (8-15) | tick low 16 (16-31).
 *
 * Full ring: the record is not written; pending_drops counts it, and the next writer
 * that finds room first writes a `drop` record with the count (so no loss is silent).
 * The reader runs only in task context, never inside a writer, so every record below
 * head is complete when it reads it. Interrupts are never disabled here.
 *
 * SMP: this ring is per CPU. With more CPUs each would own one ring (written only by
 * its own CPU, nesting as here) and the reader would merge them by tick and sequence,
 * as Linux ftrace does with its per-CPU buffers; a reader on another CPU would then also
 * need a commit counter so it never reads a reserved but unwritten record.
 */
#ifndef LOCKSTEP_TRACE_RING_H
#define LOCKSTEP_TRACE_RING_H

#include "compiler.h"

struct trace_ring {
    uint32_t *words;                   /* set at init */
    uint32_t capacity;                 /* words, a power of two; set at init */
    uint64_t reserve;                  /* writers only, by compare-and-swap */
    uint32_t tail;                     /* the reader only */
    uint32_t pending_drops;            /* writers: +1 when full; taken by the next writer */
    uint64_t dropped_total;            /* writers: events lost since boot */
    const volatile uint64_t *clock;    /* tick counter; set at init */
    bool enabled;                      /* anyone, READ_ONCE/WRITE_ONCE */
};

extern struct trace_ring trace_ring;

/* Test builds define this to run a nested emit at the worst moments (tests/unit). */
#ifndef TRACE_RING_NEST_POINT
#define TRACE_RING_NEST_POINT(where) do { } while (0)
#endif

#define TRACE_RECORD_HEADER(id, seq, tick) \
    ((uint32_t)(id) | ((uint32_t)(seq) & 0xff) << 8 | ((uint32_t)(tick) & 0xffff) << 16)

/* Set up `ring` over `words` (capacity a power of two, >= 16), disabled. Cannot fail. */
void trace_ring_init(struct trace_ring *ring, uint32_t *words, uint32_t capacity,
                     const volatile uint64_t *clock);

/* The slow path: record pending drops first, or count this event as dropped. */
void trace_ring_emit_slow(struct trace_ring *ring, unsigned id, const void *payload,
                          uint32_t bytes);

/* Write a `drop` record now if drops are pending and there is room. */
void trace_ring_record_drops(struct trace_ring *ring);

/* Copy the record that starts at `head` (claimed with sequence number `seq`) in. */
static inline void trace_ring_store(struct trace_ring *ring, uint32_t head, uint32_t seq,
                                    unsigned id, uint32_t tick, const void *payload,
                                    uint32_t words)
{
    uint32_t mask = ring->capacity - 1;
    ring->words[head & mask] = TRACE_RECORD_HEADER(id, seq, tick);
    TRACE_RING_NEST_POINT(1);                     /* nested emit mid-record */
    for (uint32_t i = 1; i < words; i++) {
        uint32_t w;
        __builtin_memcpy(&w, (const char *)payload + 4 * (i - 1), 4);
        ring->words[(head + i) & mask] = w;
    }
}

/* Record one event (`bytes` of payload, a multiple of 4). IRQ-safe, reentrant,
 * lock-free; never blocks, never allocates; a full ring counts the event as dropped. */
static inline void trace_ring_emit(struct trace_ring *ring, unsigned id, const void *payload,
                                   uint32_t bytes)
{
    if (!READ_ONCE(ring->enabled))
        return;
    if (READ_ONCE(ring->pending_drops)) {
        trace_ring_emit_slow(ring, id, payload, bytes);
        return;
    }
    uint32_t words = 1 + bytes / 4;
    uint64_t old = READ_ONCE(ring->reserve);
    uint32_t tick;
    do {
        if ((uint32_t)old + words - READ_ONCE(ring->tail) > ring->capacity) {
            trace_ring_emit_slow(ring, id, payload, bytes);
            return;
        }
        tick = (uint32_t)*ring->clock;
        TRACE_RING_NEST_POINT(0);                 /* nested emit between read and CAS */
    } while (!__atomic_compare_exchange_n(&ring->reserve, &old, old + words + (1ull << 32),
                                          false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    trace_ring_store(ring, (uint32_t)old, (uint32_t)(old >> 32), id, tick, payload, words);
}

/* Words recorded and not yet read. */
static inline uint32_t trace_ring_used(const struct trace_ring *ring)
{
    return (uint32_t)READ_ONCE(ring->reserve) - READ_ONCE(ring->tail);
}

#endif
