/*
 * stream.h - the wire format the drain writes (docs/trace-format.md). Little-endian.
 *
 *   header frame  'L' ff 'T' 'R' 'A' 'C' | u16 check | u16 version | u16 size (32)
 *                 | u32 table hash | u32 tick_hz | u32 ring capacity (words) | u8 run mode
 *                 | 7 zero
 *   records       exactly as in the ring: u32 header (head8 | id << 8 | tick16 << 16),
 *                 then the payload
 *   sync frame    'L' ff 'S' 'Y' 'N' 'C' | u16 check | u32 table hash | u32 seq of the
 *                 next record | u64 position (head) of the next record, in words
 *                 | u64 full tick of the previous record                    (32 bytes)
 *   check         low 16 bits of FNV-1a over frame bytes 8-31, so a damaged frame is
 *                 never believed
 *
 * Byte 1 of every record is its event id, and id 0xff never names an event, so a frame
 * is recognised by that byte. A sync frame precedes the first record after every
 * TRACE_SYNC_INTERVAL bytes of records, so a decoder that starts late or meets
 * corruption can find its place again; frames depend only on the records, never on when
 * the drain ran, so the same events always produce the same bytes. The run mode
 * (enum trace_run_mode) is in the header alone, which the first drain writes: kmain
 * chooses the mode before the executor first drains, so only a panic earlier in boot
 * streams a header before it (with mode 0, normal). Sync frames have no room to repeat it.
 */
#ifndef LOCKSTEP_TRACE_STREAM_H
#define LOCKSTEP_TRACE_STREAM_H

#include "ring.h"

#define TRACE_STREAM_VERSION  1
#define TRACE_FRAME_SIZE      32
#define TRACE_SYNC_INTERVAL   4096
#define TRACE_MAX_RECORD_WORDS TRACE_RING_SLACK
#define TRACE_RECENT          256              /* records kept for `trace tail` */

struct trace_header_frame {
    char magic[6];                             /* "L\xffTRAC" */
    uint16_t check;
    uint16_t version;
    uint16_t size;
    uint32_t table_hash;
    uint32_t tick_hz;
    uint32_t ring_words;
    uint8_t mode;                              /* enum trace_run_mode (trace.h) */
    uint8_t reserved[7];                       /* zero; decoders ignore them */
} __packed;
ASSERT_SIZE(struct trace_header_frame, TRACE_FRAME_SIZE);

struct trace_sync_frame {
    char magic[6];                             /* "L\xffSYNC" */
    uint16_t check;
    uint32_t table_hash;
    uint32_t seq;
    uint64_t head;
    uint64_t tick;
} __packed;
ASSERT_SIZE(struct trace_sync_frame, TRACE_FRAME_SIZE);
ASSERT_OFFSET(struct trace_sync_frame, check, 6);
ASSERT_OFFSET(struct trace_header_frame, version, 8);
ASSERT_OFFSET(struct trace_header_frame, mode, 24);
ASSERT_OFFSET(struct trace_sync_frame, head, 16);
ASSERT_OFFSET(struct trace_sync_frame, tick, 24);

struct trace_stream {
    void (*write)(const void *bytes, size_t len, void *ctx);
    void *ctx;
    uint32_t table_hash, tick_hz;
    uint8_t mode;                              /* the header's; fixed once it is sent */
    /* Reader state (the drain only): */
    bool header_sent;
    uint32_t since_sync;                       /* record bytes since the last frame */
    uint32_t seq;                              /* sequence number of the next record */
    uint64_t tick;                             /* full tick of the last record */
    uint64_t records, bytes, corrupt;          /* written so far; ring words skipped */
    /* The most recent records streamed, for `trace tail`; recent_count counts records
     * ever kept (entry i lives in recent[i % TRACE_RECENT]). */
    struct trace_recent_entry {
        uint32_t seq;
        uint64_t tick;
        uint32_t record[TRACE_MAX_RECORD_WORDS];
    } recent[TRACE_RECENT];
    uint64_t recent_count;
};

/* The check field of a frame: low 16 bits of FNV-1a over bytes 8-31. Pure. */
uint16_t trace_frame_check(const void *frame);

/* Set up a stream for the ring's records. Cannot fail. */
void trace_stream_init(struct trace_stream *stream,
                       void (*write)(const void *bytes, size_t len, void *ctx), void *ctx,
                       uint32_t table_hash, uint32_t tick_hz);

/* Set the run mode (enum trace_run_mode) the header frame will carry. Reader context,
 * as the drain. Returns 0, or -EBUSY if the header already went out: the mode it gave
 * stands, and the stream is unchanged. */
int trace_stream_set_mode(struct trace_stream *stream, unsigned mode);

/* Move up to `max_records` records from `ring` to the stream's writer, framing them.
 * One reader at a time, never inside an emit: a record whose header is still zero is
 * damage there, skipped and counted as corrupt. Returns records written. */
size_t trace_stream_drain(struct trace_stream *stream, struct trace_ring *ring,
                          size_t max_records);

/* The same at a stop that may have interrupted an emit (a debugger's): a zero header is
 * a record reserved and not yet written, and the drain ends before it, for a later
 * drain to take (ring.h). */
size_t trace_stream_drain_at_stop(struct trace_stream *stream, struct trace_ring *ring,
                                  size_t max_records);

#endif
