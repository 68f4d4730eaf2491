/*
 * stream.c - the drain: ring records -> framed byte stream (stream.h). It reads the ring
 * from tail to head, copies each whole record out, then advances tail, so writers never
 * reuse words before they are copied. It records no events of its own.
 */
#include "stream.h"
#include "trace.h"

void trace_stream_init(struct trace_stream *s,
                       void (*write)(const void *bytes, size_t len, void *ctx), void *ctx,
                       uint32_t table_hash, uint32_t tick_hz)
{
    *s = (struct trace_stream){
        .write = write, .ctx = ctx, .table_hash = table_hash, .tick_hz = tick_hz,
    };
}

static void put(struct trace_stream *s, const void *bytes, size_t len)
{
    s->write(bytes, len, s->ctx);
    s->bytes += len;
}

static void send_header(struct trace_stream *s, const struct trace_ring *ring)
{
    const struct trace_header_frame h = {
        .magic = "\xffLKTRACE", .version = TRACE_STREAM_VERSION, .size = TRACE_FRAME_SIZE,
        .table_hash = s->table_hash, .tick_hz = s->tick_hz, .ring_words = ring->capacity,
    };
    put(s, &h, sizeof(h));
    s->header_sent = true;
}

static void send_sync(struct trace_stream *s)
{
    const struct trace_sync_frame f = {
        .magic = "\xffLKSYNC", .table_hash = s->table_hash, .seq = s->seq, .tick = s->tick,
    };
    put(s, &f, sizeof(f));
    s->since_sync = 0;
}

size_t trace_stream_drain(struct trace_stream *s, struct trace_ring *ring, size_t max_records)
{
    uint32_t mask = ring->capacity - 1;
    uint32_t head = (uint32_t)READ_ONCE(ring->reserve);
    uint32_t tail = ring->tail;
    size_t n = 0;

    if (!s->header_sent)
        send_header(s, ring);
    while (tail != head && n < max_records) {
        uint32_t record[TRACE_MAX_RECORD_WORDS];
        record[0] = ring->words[tail & mask];
        int payload = trace_payload_words(record[0] & 0xff);
        if (payload < 0 || (uint32_t)payload + 1 > head - tail) {
            /* Cannot happen unless memory was overwritten: skip what is there. */
            s->corrupt += head - tail;
            tail = head;
            break;
        }
        for (int i = 1; i <= payload; i++)
            record[i] = ring->words[(tail + (uint32_t)i) & mask];
        barrier();                             /* copied out before the words are freed */
        tail += 1 + (uint32_t)payload;
        WRITE_ONCE(ring->tail, tail);

        if (s->since_sync >= TRACE_SYNC_INTERVAL)
            send_sync(s);
        uint32_t tick16 = record[0] >> 16;
        s->tick += (tick16 - s->tick) & 0xffff;   /* ticks only move forward */
        s->seq++;
        size_t bytes = 4 * (1 + (size_t)payload);
        put(s, record, bytes);
        s->since_sync += (uint32_t)bytes;
        s->records++;
        n++;
    }
    WRITE_ONCE(ring->tail, tail);
    return n;
}
