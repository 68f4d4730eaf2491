/*
 * trace.c - the kernel's one trace ring and stream (trace.h): set-up, switching,
 * draining and statistics. Called by kmain
 * (trace_init), by anything that records (TRACE), by record and replay mode's set-up
 * (trace_set_mode, for the stream header) and by the idle loop (trace_drain).
 */
#include "trace.h"
#include "panic.h"
#include "stream.h"
#include "version.h"

#define TRACE_RING_WORDS 16384                 /* 64 KiB */
_Static_assert((TRACE_RING_WORDS & (TRACE_RING_WORDS - 1)) == 0, "ring: power of two");

TRACE_RING_DEFINE(trace_ring, TRACE_RING_WORDS);
static struct trace_stream stream;             /* the drain only */
static bool draining;                          /* the drain only: refuse re-entry */

static void flush_on_panic(const char *message)
{
    (void)message;
    trace_flush();                             /* the last events reach the host */
}

void trace_init(const struct trace_backend *backend)
{
    panic_add_hook(flush_on_panic);
    trace_ring_init(&trace_ring, TRACE_RING_WORDS, backend->clock);
    trace_stream_init(&stream, backend->write, backend->ctx, trace_table_hash(),
                      backend->tick_hz);
    trace_ring_set_enabled(&trace_ring, true);
    TRACE(boot, .version = LOCKSTEP_VERSION_CODE, .tick_hz = backend->tick_hz);
}

void trace_set_mode(enum trace_run_mode mode)
{
    if (trace_stream_set_mode(&stream, mode) != 0)
        panic("trace_set_mode: the stream header already went out with mode %u",
              (unsigned)stream.mode);
}

void trace_set_enabled(bool enabled)
{
    trace_ring_set_enabled(&trace_ring, enabled);
}

static size_t drain(bool at_stop)
{
    if (draining || !stream.write)
        return 0;
    draining = true;
    size_t n = at_stop ? trace_stream_drain_at_stop(&stream, &trace_ring, SIZE_MAX)
                       : trace_stream_drain(&stream, &trace_ring, SIZE_MAX);
    draining = false;
    return n;
}

size_t trace_drain(void)
{
    return drain(false);
}

size_t trace_drain_at_stop(void)
{
    return drain(true);
}

size_t trace_flush(void)
{
    /* Drain first: a pending count needs room, and the ring may be full. With recording
     * off, the drain itself writes the count once it has made room. */
    size_t n = trace_drain();
    trace_ring_record_drops(&trace_ring);
    return n + trace_drain();
}

size_t trace_recent(size_t count, void (*fn)(const uint32_t *record, uint32_t seq,
                                             uint64_t tick, void *ctx), void *ctx)
{
    uint64_t total = stream.recent_count;
    uint64_t kept = total < TRACE_RECENT ? total : TRACE_RECENT;
    if (count > kept)
        count = kept;
    for (uint64_t i = total - count; i < total; i++) {
        const struct trace_recent_entry *e = &stream.recent[i % TRACE_RECENT];
        fn(e->record, e->seq, e->tick, ctx);
    }
    return count;
}

void trace_get_stats(struct trace_stats *stats)
{
    *stats = (struct trace_stats){
        .recorded_words = trace_ring.head,
        .dropped = trace_ring.dropped_total,
        .drained = stream.records,
        .stream_bytes = stream.bytes,
        .used_words = trace_ring_used(&trace_ring),
        .capacity_words = trace_ring.mask + 1,
        .table_hash = stream.table_hash,
        .enabled = trace_ring.enabled,
    };
}
