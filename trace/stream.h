/*
 * stream.h - the wire format the drain writes (docs/trace-format.md):
 *
 *   header frame  ff 'L' 'K' 'T' 'R' 'A' 'C' 'E' | u16 version | u16 size (24)
 *                 | u32 table hash | u32 tick_hz | u32 ring capacity (words)
 *   records       exactly as in the ring: u32 header (id | seq8 | tick16), payload
 *   sync frame    ff 'L' 'K' 'S' 'Y' 'N' 'C' 00 | u32 table hash | u32 seq of the next
 *                 record | u64 full tick of the previous record     (24 bytes)
 *
 * A sync frame precedes the first record after every TRACE_SYNC_INTERVAL bytes of
 * records, so a decoder that starts late or meets corruption can find its place again.
 * The frames depend only on the records, never on when the drain ran, so the same
 * events always produce the same bytes. All integers are little-endian.
 */
#ifndef LOCKSTEP_TRACE_STREAM_H
#define LOCKSTEP_TRACE_STREAM_H

#include "ring.h"

#define TRACE_STREAM_VERSION  1
#define TRACE_FRAME_SIZE      24
#define TRACE_SYNC_INTERVAL   4096
#define TRACE_MAX_RECORD_WORDS 16             /* the largest payload is 20 bytes */

struct trace_header_frame {
    char magic[8];                             /* "\xffLKTRACE" */
    uint16_t version;
    uint16_t size;
    uint32_t table_hash;
    uint32_t tick_hz;
    uint32_t ring_words;
} __packed;
ASSERT_SIZE(struct trace_header_frame, TRACE_FRAME_SIZE);

struct trace_sync_frame {
    char magic[8];                             /* "\xffLKSYNC\0" */
    uint32_t table_hash;
    uint32_t seq;
    uint64_t tick;
} __packed;
ASSERT_SIZE(struct trace_sync_frame, TRACE_FRAME_SIZE);
ASSERT_OFFSET(struct trace_sync_frame, tick, 16);

struct trace_stream {
    void (*write)(const void *bytes, size_t len, void *ctx);
    void *ctx;
    uint32_t table_hash, tick_hz;
    /* Reader state (the drain only): */
    bool header_sent;
    uint32_t since_sync;                       /* record bytes since the last frame */
    uint32_t seq;                              /* sequence number of the next record */
    uint64_t tick;                             /* full tick of the last record */
    uint64_t records, bytes, corrupt;          /* written so far; ring words skipped */
};

/* Set up a stream for the ring's records. Cannot fail. */
void trace_stream_init(struct trace_stream *stream,
                       void (*write)(const void *bytes, size_t len, void *ctx), void *ctx,
                       uint32_t table_hash, uint32_t tick_hz);

/* Move up to `max_records` records from `ring` to the stream's writer, framing them.
 * Reader context only (one reader; never inside an emit). Returns records written. */
size_t trace_stream_drain(struct trace_stream *stream, struct trace_ring *ring,
                          size_t max_records);

#endif
