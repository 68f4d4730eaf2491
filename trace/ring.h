/*
 * ring.h - the lock-free trace ring: reservation by compare-and-swap, so an interrupt
 * handler may record while the code it interrupted is in the middle of recording.
 *
 *   words[mask + 1 + TRACE_RING_SLACK]            (32-bit words)
 *   +------+---------+------+------+-------------+--------+- - - - - -+
 *   | hdr  | payload | hdr  | hdr  | payload ... | (free) |  slack    |
 *   +------+---------+------+------+-------------+--------+- - - - - -+
 *   ^ tail & mask: advanced only by the reader, after it has copied a record out
 *                                                ^ head & mask: advanced only by writers
 *
 * head and tail are 64-bit word counts that never wrap in practice. A record starts at
 * head & mask and runs on linearly, into the slack past the end if need be, so no record
 * is ever split (its overflow words stand in for the ring's first words, which the next
 * record, starting at (head + words) & mask, leaves alone). Record header word:
 *   bits 0-7 head & 0xff (lets a decoder check it is in step) | 8-15 event id | 16-31 tick
 *
 * Writers: read head, check head + words <= limit, read the tick, compare-and-swap head.
 * A nested writer that gets in between makes the outer CAS fail and retry, so ring order
 * and tick order always agree. `limit` is tail + capacity while recording is on and no
 * drops are pending, and 0 otherwise: that one comparison keeps disabled tracing, a full
 * ring and pending drops off the fast path. Whoever changes limit stores it first and
 * then re-checks the flags, so a concurrent "close the gate" always wins.
 *
 * Full ring: the event is not written; pending_drops counts it, and the next writer that
 * finds room first writes a `drop` record with the count, so no loss is silent. (A writer
 * that slips in between a nested drop and its drop record is recorded before it.) With
 * recording off no writer comes, so switching it off, the drain (once per drain, in the
 * room it freed) and trace_ring_record_drops write the count themselves.
 * The reader normally runs in task context, never inside a writer, so every record
 * below head is complete when it reads it. One reader may run inside one: GDB's
 * `monitor trace` at a stop (trace_stream_drain_at_stop). So a record's header is stored
 * last, the drain zeroes the words it has copied out, and at a stop a zero header tells
 * it that the record there is still being written: it stops, and takes it (and the ones
 * after it) at a later drain, once the writer has finished. Anywhere else a zero header
 * is damage, skipped like any other (as at a panic, whose writer never finishes).
 * Interrupts are never disabled here.
 *
 * Ticks: a header holds 16 bits of tick, enough while recording is on and nothing is lost
 * (the timer records every tick). A `drop` record (the loss may have lasted any number of
 * ticks) and the `resume` record written when recording is switched on again carry the
 * full tick too, which decoders take as theirs.
 *
 * SMP: this ring is per CPU. With more CPUs each would own one ring (written only by
 * its own CPU, nesting as here) and the reader would merge them by tick, as Linux ftrace
 * does with its per-CPU buffers. A reader on another CPU would need no commit count (a
 * zero header already marks a reserved but unwritten record), but CPU barriers where
 * barrier() now orders only the compiler: the header's store and load, and tail's.
 */
#ifndef LOCKSTEP_TRACE_RING_H
#define LOCKSTEP_TRACE_RING_H

#include "compiler.h"

#define TRACE_RING_SLACK 8                     /* words: the largest record (exception: 6) */

struct trace_ring {
    uint64_t head;                     /* writers only, by compare-and-swap */
    uint64_t limit;                    /* see above: writers, reader, trace_set_enabled */
    uint64_t tail;                     /* the reader only */
    uint32_t mask;                     /* capacity - 1 (capacity a power of two); init */
    uint32_t pending_drops;            /* writers: +1 when full; taken by the next writer
                                          (recording off: by the switch or the drain) */
    uint64_t dropped_total;            /* writers: events lost since boot */
    const volatile uint64_t *clock;    /* tick counter; set at init */
    bool enabled;                      /* anyone, READ_ONCE/WRITE_ONCE */
    bool was_enabled;                  /* trace_ring_set_enabled only: on once, so on
                                          again records `resume` */
    uint32_t words[];                  /* capacity + TRACE_RING_SLACK words */
};

/* Define a ring with room for `capacity` words (zeroed, so it lands in .bss). */
#define TRACE_RING_DEFINE(name, capacity) \
    struct trace_ring name = { .words = { [(capacity) + TRACE_RING_SLACK - 1] = 0 } }

/* Test builds define this to run a nested emit at the worst moments (tests/unit). */
#ifndef TRACE_RING_NEST_POINT
#define TRACE_RING_NEST_POINT(where) do { } while (0)
#endif

#define TRACE_RECORD_HEADER(head, id, tick) \
    (((uint32_t)(head) & 0xff) | (uint32_t)(id) << 8 | (uint32_t)(tick) << 16)

/* Set up `ring` (defined by TRACE_RING_DEFINE with `capacity`, a power of two >= 16),
 * empty and zeroed, recording off. Cannot fail. */
void trace_ring_init(struct trace_ring *ring, uint32_t capacity,
                     const volatile uint64_t *clock);

/* Turn recording on or off. Off: a pending drop count is written as the last record if
 * there is room (else the reader writes it once it frees some). On again after having
 * been off (not the first time): a `resume` record with the full tick goes before
 * anything else. IRQ-safe; cannot fail (a resume that finds the ring full is counted as
 * a drop, and the drop record carries the full tick instead). */
void trace_ring_set_enabled(struct trace_ring *ring, bool enabled);

/* The slow path: recording off, ring full, or drops to record first. Payloads of up
 * to 8 bytes come by value (`small`), larger ones by pointer, so that the fast path
 * never has to keep a small payload in memory. */
void trace_ring_emit_slow(struct trace_ring *ring, unsigned id, const void *payload,
                          uint32_t bytes, uint64_t small);

/* Write a `drop` record now if drops are pending and there is room, whether recording
 * is on or off. IRQ-safe; with no room the count stays pending. */
void trace_ring_record_drops(struct trace_ring *ring);

/* Reader: `tail` has moved on; reopen the gate for writers. */
void trace_ring_release(struct trace_ring *ring, uint64_t tail);

/* Copy the record that starts at word `head` in: the payload first, the header last.
 * The header word (never 0: ids start at 1) is what makes a record readable, since the
 * words a writer reserves are zero until it stores them: the ring starts zeroed and
 * the drain zeroes every word it has copied out. A drain at a stop inside a writer
 * (GDB's `monitor trace`) so meets a zero header, and waits for that record. */
static inline void trace_ring_store(struct trace_ring *ring, uint64_t head, unsigned id,
                                    uint32_t tick, const void *payload, uint32_t words)
{
    uint32_t *at = &ring->words[head & ring->mask];
    if (words > 1)
        __builtin_memcpy(&at[1], payload, 4 * (words - 1));
    TRACE_RING_NEST_POINT(1);                     /* nested emit mid-record */
    barrier();                                    /* the payload before the header */
    WRITE_ONCE(at[0], TRACE_RECORD_HEADER(head, id, tick));
}

/* Record one event (`bytes` of payload, a multiple of 4). IRQ-safe, reentrant,
 * lock-free; never blocks, never allocates; a full ring counts the event as dropped. */
static inline void trace_ring_emit(struct trace_ring *ring, unsigned id, const void *payload,
                                   uint32_t bytes)
{
    uint32_t words = 1 + bytes / 4;
    uint64_t small = 0;                           /* bytes is a constant: one branch stays */
    if (bytes <= 8) {
        if (bytes)
            __builtin_memcpy(&small, payload, bytes);
        payload = &small;
    }
    uint64_t head = READ_ONCE(ring->head);
    uint32_t tick;
    do {
        if (head + words > READ_ONCE(ring->limit)) {
            trace_ring_emit_slow(ring, id, bytes <= 8 ? NULL : payload, bytes, small);
            return;
        }
        tick = (uint32_t)*ring->clock;
        TRACE_RING_NEST_POINT(0);                 /* nested emit between read and CAS */
    } while (!__atomic_compare_exchange_n(&ring->head, &head, head + words, false,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    trace_ring_store(ring, head, id, tick, payload, words);
}

/* Words recorded and not yet read. */
static inline uint64_t trace_ring_used(const struct trace_ring *ring)
{
    return READ_ONCE(ring->head) - READ_ONCE(ring->tail);
}

#endif
