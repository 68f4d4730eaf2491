/*
 * stream.c - the drain: ring records -> framed byte stream (stream.h). It reads the ring
 * from tail to head, copies each whole record out, zeroes its words and then releases
 * them to writers, so they are never reused before they are copied; it stops early at a
 * record whose writer has not finished (a zero header: ring.h). It records no events of its own; it
 * only writes the ring's pending drop count, once per drain, while recording is off and
 * no writer comes to write it.
 * The full tick of each record (kept for `trace tail` and the sync frames) is the last
 * one plus the 16-bit difference in the header, or the record's own `tick` field if it
 * has one, as every decoder works it out (docs/trace-format.md).
 */
#include "stream.h"
#include "errno.h"
#include "table.h"

void trace_stream_init(struct trace_stream *s,
                       void (*write)(const void *bytes, size_t len, void *ctx), void *ctx,
                       uint32_t table_hash, uint32_t tick_hz)
{
    *s = (struct trace_stream){
        .write = write, .ctx = ctx, .table_hash = table_hash, .tick_hz = tick_hz,
    };
}

int trace_stream_set_mode(struct trace_stream *s, unsigned mode)
{
    if (s->header_sent)
        return -EBUSY;
    s->mode = (uint8_t)mode;
    return 0;
}

uint16_t trace_frame_check(const void *frame)
{
    const uint8_t *bytes = frame;
    uint32_t hash = 2166136261u;
    for (size_t i = 8; i < TRACE_FRAME_SIZE; i++) {
        hash ^= bytes[i];
        hash *= 16777619u;
    }
    return (uint16_t)hash;
}

static void put(struct trace_stream *s, const void *bytes, size_t len)
{
    s->write(bytes, len, s->ctx);
    s->bytes += len;
}

static void send_header(struct trace_stream *s, const struct trace_ring *ring)
{
    struct trace_header_frame h = {
        .magic = "L\xffTRAC", .version = TRACE_STREAM_VERSION, .size = TRACE_FRAME_SIZE,
        .table_hash = s->table_hash, .tick_hz = s->tick_hz, .ring_words = ring->mask + 1,
        .mode = s->mode,
    };
    h.check = trace_frame_check(&h);
    put(s, &h, sizeof(h));
    s->header_sent = true;
}

static void send_sync(struct trace_stream *s, uint64_t head)
{
    struct trace_sync_frame f = {
        .magic = "L\xffSYNC", .table_hash = s->table_hash, .seq = s->seq, .head = head,
        .tick = s->tick,
    };
    f.check = trace_frame_check(&f);
    put(s, &f, sizeof(f));
    s->since_sync = 0;
}

/* Remember a streamed record for `trace tail`. */
static void keep_recent(struct trace_stream *s, const uint32_t *record, uint32_t words)
{
    struct trace_recent_entry *e = &s->recent[s->recent_count++ % TRACE_RECENT];
    e->seq = s->seq - 1;
    e->tick = s->tick;
    for (uint32_t i = 0; i < words; i++)
        e->record[i] = record[i];
}

static size_t drain(struct trace_stream *s, struct trace_ring *ring, size_t max_records,
                    bool at_stop)
{
    uint64_t head = READ_ONCE(ring->head);
    uint64_t tail = ring->tail;
    size_t n = 0;

    if (!s->header_sent)
        send_header(s, ring);
    while (tail != head && n < max_records) {
        uint32_t *at = &ring->words[tail & ring->mask];
        uint32_t record[TRACE_MAX_RECORD_WORDS];
        record[0] = READ_ONCE(at[0]);
        if (record[0] == 0 && at_stop)
            break;                              /* reserved, not yet written (ring.h) */
        barrier();                              /* the header before the payload */
        int payload = trace_payload_words((record[0] >> 8) & 0xff);
        if (payload < 0 || (record[0] & 0xff) != (tail & 0xff) ||
            (uint64_t)payload + 1 > head - tail) {
            /* Cannot happen unless memory was overwritten (a zero header too, outside
             * a stop: no writer can be half-way): skip what is there, and zero it, as
             * free words must be (ring.h). */
            s->corrupt += head - tail;
            for (; tail != head; tail++)
                ring->words[tail & ring->mask] = 0;
            break;
        }
        at[0] = 0;                              /* free words read zero (ring.h) */
        for (int i = 1; i <= payload; i++) {
            record[i] = at[i];
            at[i] = 0;
        }
        if (s->since_sync >= TRACE_SYNC_INTERVAL)
            send_sync(s, tail);
        tail += 1 + (uint32_t)payload;
        trace_ring_release(ring, tail);         /* copied out: writers may reuse them */

        uint32_t tick16 = record[0] >> 16;
        s->tick += (tick16 - s->tick) & 0xffff;   /* ticks only move forward */
        int tick_at = trace_tick_offset((record[0] >> 8) & 0xff);
        if (tick_at >= 0) {
            /* A full tick (drop, resume): the records before may be any distance back,
             * more than 16 bits of tick can span, so take it rather than the sum. */
            uint32_t full;
            __builtin_memcpy(&full, (const uint8_t *)&record[1] + tick_at, sizeof(full));
            s->tick = full;
        }
        s->seq++;
        size_t bytes = 4 * (1 + (size_t)payload);
        put(s, record, bytes);
        keep_recent(s, record, 1 + (uint32_t)payload);
        s->since_sync += (uint32_t)bytes;
        s->records++;
        n++;
    }
    trace_ring_release(ring, tail);
    if (!READ_ONCE(ring->enabled))
        trace_ring_record_drops(ring);          /* recording off: no writer will */
    return n;
}

size_t trace_stream_drain(struct trace_stream *s, struct trace_ring *ring, size_t max_records)
{
    return drain(s, ring, max_records, false);
}

size_t trace_stream_drain_at_stop(struct trace_stream *s, struct trace_ring *ring,
                                  size_t max_records)
{
    return drain(s, ring, max_records, true);
}
