/*
 * test_trace_ring.c - the trace ring and drain (trace/ring.[ch], trace/stream.c) on the
 * host: nested emits at every window of the fast path (as an IRQ would land), wraparound,
 * exact drop counts on overflow, and the framing of the stream (docs/trace-format.md).
 * A small parser here reads the stream back; tests/unit/test_trace_decode.py checks the
 * Python decoder against streams from this same C code.
 */
#include "unit.h"
#include "errno.h"

static void nest_point(int where);
#define TRACE_RING_NEST_POINT(where) nest_point(where)
#include "table.h"
#include "stream.h"

static uint64_t clock_ticks;
static TRACE_RING_DEFINE(ring, 64);          /* a small ring: 64 words, 256 bytes */
static uint32_t *const words = ring.words;
static uint8_t out[1 << 20];                 /* what the drain wrote */
static size_t out_len;
static struct trace_stream stream;

static void sink(const void *bytes, size_t len, void *ctx)
{
    (void)ctx;
    if (out_len + len > sizeof(out))
        UNIT_FAIL("test stream buffer full");
    memcpy(out + out_len, bytes, len);
    out_len += len;
}

/* Nesting: when armed for `where`, the next pass through that point emits a mark. */
static int nest_at = -1;
static uint32_t nest_value;
static bool nest_ticks;                       /* the nested emitter is the timer: tick++ */
static bool nest_drains;                      /* instead, the drain runs there (a stop) */

static void drain_all(void);

static void nest_point(int where)
{
    if (where != nest_at)
        return;
    nest_at = -1;                             /* once: the nested emit must not nest */
    if (nest_drains) {                        /* the monitor's drain, at a stop */
        trace_stream_drain_at_stop(&stream, &ring, SIZE_MAX);
        return;
    }
    if (nest_ticks)
        clock_ticks++;
    const struct trace_mark m = { .value = nest_value };
    trace_ring_emit(&ring, TRACE_ID_mark, &m, sizeof(m));
}

static void setup(uint32_t capacity)
{
    memset(words, 0, (64 + TRACE_RING_SLACK) * sizeof(uint32_t));
    trace_ring_init(&ring, capacity, &clock_ticks);
    trace_ring_set_enabled(&ring, true);
    trace_stream_init(&stream, sink, NULL, trace_table_hash(), 100);
    clock_ticks = 0;
    out_len = 0;
    nest_at = -1;
    nest_ticks = false;
    nest_drains = false;
}

static void mark(uint32_t value)
{
    const struct trace_mark m = { .value = value };
    trace_ring_emit(&ring, TRACE_ID_mark, &m, sizeof(m));
}

/* ---- reading the stream back ---- */
struct parsed {
    uint8_t id;
    uint32_t seq;                             /* full, reconstructed */
    uint64_t head;                            /* word position in the ring */
    uint64_t tick;
    uint32_t payload[TRACE_MAX_RECORD_WORDS];
};
static struct parsed records[8192];
static size_t record_count, sync_count;
static struct trace_header_frame header;     /* the stream's header frame */

static void parse(void)
{
    size_t pos = 0;
    uint32_t seq = 0;
    uint64_t tick = 0, head = 0;
    record_count = sync_count = 0;
    while (pos < out_len) {
        CHECK(pos + 4 <= out_len);
        if (out[pos + 1] == TRACE_ID_FRAME) {
            CHECK(pos + TRACE_FRAME_SIZE <= out_len);
            uint16_t check;
            memcpy(&check, out + pos + 6, 2);
            CHECK_EQ(check, trace_frame_check(out + pos));
            if (memcmp(out + pos, "L\xffTRAC", 6) == 0) {
                struct trace_header_frame h;
                memcpy(&h, out + pos, sizeof(h));
                CHECK_EQ(pos, 0);
                CHECK_EQ(h.version, TRACE_STREAM_VERSION);
                CHECK_EQ(h.table_hash, trace_table_hash());
                for (size_t i = 0; i < sizeof(h.reserved); i++)
                    CHECK_EQ(h.reserved[i], 0);
                header = h;
            } else {
                struct trace_sync_frame f;
                memcpy(&f, out + pos, sizeof(f));
                CHECK(memcmp(f.magic, "L\xffSYNC", 6) == 0);
                CHECK_EQ(f.seq, seq);            /* sync frames agree with the records */
                CHECK_EQ(f.head, head);
                CHECK_EQ(f.tick, tick);
                sync_count++;
            }
            pos += TRACE_FRAME_SIZE;
            continue;
        }
        uint32_t header;
        memcpy(&header, out + pos, 4);
        int payload = trace_payload_words((header >> 8) & 0xff);
        CHECK(payload >= 0);
        CHECK(pos + 4 + 4 * (size_t)payload <= out_len);
        CHECK_EQ(header & 0xff, head & 0xff);    /* the record is where it should be */
        uint64_t next_tick = tick + (((header >> 16) - tick) & 0xffff);
        int tick_at = trace_tick_offset((header >> 8) & 0xff);
        if (tick_at >= 0) {                      /* a full tick: take it (drop, resume) */
            uint32_t full;
            memcpy(&full, out + pos + 4 + tick_at, sizeof(full));
            next_tick = full;
        }
        CHECK(record_count < sizeof(records) / sizeof(records[0]));
        struct parsed *r = &records[record_count++];
        r->id = (header >> 8) & 0xff;
        r->seq = seq++;
        r->head = head;
        head += 1 + (uint64_t)payload;
        r->tick = tick = next_tick;
        memcpy(r->payload, out + pos + 4, 4 * (size_t)payload);
        pos += 4 + 4 * (size_t)payload;
    }
}

static void drain_all(void)
{
    trace_stream_drain(&stream, &ring, SIZE_MAX);
}

TEST(emit_drain_round_trip)
{
    setup(64);
    clock_ticks = 7;
    mark(11);
    const struct trace_exception e = { .vector = 14, .error_code = 2, .rip = 0xffffffff80101234 };
    trace_ring_emit(&ring, TRACE_ID_exception, &e, sizeof(e));
    trace_ring_emit(&ring, TRACE_ID_idle, NULL, 0);
    CHECK_EQ(trace_ring_used(&ring), 2 + 6 + 1);
    drain_all();
    CHECK_EQ(trace_ring_used(&ring), 0);
    CHECK_EQ(out_len, TRACE_FRAME_SIZE + 8 + 24 + 4);
    parse();
    CHECK_EQ(record_count, 3);
    CHECK_EQ(records[0].id, TRACE_ID_mark);
    CHECK_EQ(records[0].payload[0], 11);
    CHECK_EQ(records[0].tick, 7);
    CHECK_EQ(records[1].id, TRACE_ID_exception);
    struct trace_exception got;
    memcpy(&got, records[1].payload, sizeof(got));
    CHECK_EQ(got.vector, 14);
    CHECK_EQ(got.error_code, 2);
    CHECK_EQ(got.rip, 0xffffffff80101234);
    CHECK_EQ(records[2].id, TRACE_ID_idle);
}

/* The header's run mode (byte 24) is what was set before the first drain wrote it: 0,
 * normal, if nothing was. Set after, it is refused and the stream keeps the mode its
 * header gave, so tools/replay.py convert is never told record for a normal run. */
TEST(header_carries_the_run_mode_set_before_the_first_drain)
{
    setup(64);
    mark(1);
    drain_all();
    parse();
    CHECK_EQ(header.mode, TRACE_MODE_NORMAL);
    CHECK_EQ(out[24], 0);

    setup(64);
    CHECK_EQ(trace_stream_set_mode(&stream, TRACE_MODE_REPLAY), 0);
    CHECK_EQ(trace_stream_set_mode(&stream, TRACE_MODE_RECORD), 0);   /* the last one */
    mark(1);
    drain_all();
    CHECK_EQ(out[24], TRACE_MODE_RECORD);
    CHECK_EQ(trace_stream_set_mode(&stream, TRACE_MODE_NORMAL), -EBUSY);
    CHECK_EQ(stream.mode, TRACE_MODE_RECORD);
    mark(2);
    drain_all();
    parse();                                     /* one header, the first, in record */
    CHECK_EQ(header.mode, TRACE_MODE_RECORD);
    CHECK_EQ(record_count, 2);
}

TEST(disabled_ring_records_nothing)
{
    setup(64);
    trace_ring_set_enabled(&ring, false);
    mark(1);
    CHECK_EQ(ring.head, 0);
    trace_ring_set_enabled(&ring, true);         /* resume (2 words), then the mark */
    mark(2);
    CHECK_EQ(ring.head, 4);
}

/* Records never split: one that starts near the end runs into the slack words. */
TEST(record_at_the_end_runs_into_the_slack)
{
    setup(64);
    for (uint32_t i = 0; i < 31; i++)
        mark(i);                                  /* words 0..61 */
    drain_all();
    const struct trace_exception e = { .vector = 6, .error_code = 0, .rip = 42 };
    trace_ring_emit(&ring, TRACE_ID_exception, &e, sizeof(e));   /* words 62..67 */
    CHECK_EQ(ring.head, 68);
    mark(99);                                     /* at 68 & 63 = 4: after the overflow */
    CHECK_EQ(words[4] >> 8 & 0xff, TRACE_ID_mark);
    CHECK_EQ(words[5], 99);
    drain_all();
    parse();
    CHECK_EQ(records[31].id, TRACE_ID_exception);
    CHECK_EQ(records[31].payload[3], 42);         /* rip, low word: in the slack */
    CHECK_EQ(records[32].payload[0], 99);
}

/* An IRQ between reading the tick and the compare-and-swap: the outer CAS fails, it
 * retries after the nested record, and both records are whole and in order. */
TEST(nested_emit_before_reservation)
{
    setup(64);
    clock_ticks = 3;
    nest_at = 0;
    nest_value = 2;
    mark(1);
    drain_all();
    parse();
    CHECK_EQ(record_count, 2);
    CHECK_EQ(records[0].payload[0], 2);           /* the nested one claimed first */
    CHECK_EQ(records[1].payload[0], 1);
    CHECK_EQ(records[1].seq, 1);
}

/* An IRQ after the reservation, with the outer record half written: the nested record
 * goes after it, and the outer one is completed undisturbed. */
TEST(nested_emit_mid_record)
{
    setup(64);
    nest_at = 1;
    nest_value = 2;
    mark(1);
    drain_all();
    parse();
    CHECK_EQ(record_count, 2);
    CHECK_EQ(records[0].payload[0], 1);
    CHECK_EQ(records[1].payload[0], 2);
}

/* Regression: GDB's `monitor trace N` drains the ring wherever GDB stopped the kernel,
 * which may be inside a writer: stepping into any TRACE() stops at trace_ring_store,
 * after the compare-and-swap. The drain streamed the reserved words as they were (a
 * stale record from the ring's last lap passes the position check, since the capacity
 * is a multiple of 256) and released them, so the writer's record was lost and the
 * stream's framing broken. A drain that meets a record not yet written stops there;
 * the next drain, once the writer has finished, takes it and the ones after it. */
TEST(a_drain_inside_a_writer_waits_for_its_record)
{
    setup(64);
    for (uint32_t i = 0; i < 100; i++) {          /* several laps: stale records behind */
        mark(0xdead0000 + i);
        drain_all();
    }
    size_t before = 100;
    nest_drains = true;                           /* stopped between payload and header */
    nest_at = 1;
    mark(1);
    mark(2);
    drain_all();
    uint64_t head = ring.head;                    /* stopped right after the reservation */
    ring.head = head + 2;
    mark(3);                                      /* an interrupt's record, after it */
    trace_stream_drain_at_stop(&stream, &ring, SIZE_MAX);   /* the monitor, while stopped */
    trace_ring_store(&ring, head, TRACE_ID_mark, 0, &(struct trace_mark){ .value = 4 }, 2);
    mark(5);                                      /* resumed */
    drain_all();
    parse();
    CHECK_EQ(stream.corrupt, 0);
    CHECK_EQ(record_count, before + 5);
    const uint32_t want[] = { 1, 2, 4, 3, 5 };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        CHECK_EQ(records[before + i].id, TRACE_ID_mark);
        CHECK_EQ(records[before + i].payload[0], want[i]);
    }
    CHECK_EQ(trace_ring_used(&ring), 0);
}

/* Outside a stop no writer can be half-way, so a zero header is damage: counted and
 * skipped, not waited for (regression: the drain stalled on it for good, and everything
 * after it was dropped with no drop record ever written). */
TEST(a_zero_header_outside_a_stop_is_damage_not_a_wait)
{
    setup(64);
    mark(1);
    mark(2);
    ring.words[ring.tail & ring.mask] = 0;        /* memory overwritten */
    drain_all();
    CHECK_EQ(stream.corrupt, 4);                  /* both records' words, skipped */
    CHECK_EQ(trace_ring_used(&ring), 0);
    size_t before = out_len;
    mark(3);
    drain_all();                                  /* the stream goes on after the damage */
    CHECK(out_len >= before + 8);
    uint32_t last[2];
    memcpy(last, out + out_len - 8, 8);
    CHECK_EQ((last[0] >> 8) & 0xff, TRACE_ID_mark);
    CHECK_EQ(last[1], 3);
}

/* The tick advances inside the window (the timer interrupt is the nested emitter):
 * ticks still rise in ring order, and the outer record carries the newer tick when
 * the nesting forced it to retry. */
TEST(nested_emit_keeps_ticks_monotonic)
{
    setup(64);
    nest_ticks = true;
    for (uint32_t i = 0; i < 200; i++) {
        nest_at = (int)(i % 3) - 1;              /* -1: no nesting, 0 or 1: nest there */
        nest_value = 1000 + i;
        mark(i);
        if (i % 8 == 7)
            drain_all();
    }
    drain_all();
    parse();
    CHECK_EQ(record_count, 200 + 133);           /* 133 of the 200 had a nested mark */
    for (size_t i = 1; i < record_count; i++)
        CHECK(records[i].tick >= records[i - 1].tick);
    CHECK_EQ(records[record_count - 1].tick, 133);
    CHECK_EQ(ring.dropped_total, 0);
}

TEST(wraparound_keeps_every_record)
{
    setup(64);
    uint32_t expected = 0;
    for (uint32_t i = 0; i < 5000; i++) {
        clock_ticks = i / 3;
        if (i % 5 == 0) {
            const struct trace_syscall_enter s = { .task = 1, .number = (uint16_t)i,
                                                   .arg0 = i, .arg1 = ~(uint64_t)i };
            trace_ring_emit(&ring, TRACE_ID_syscall_enter, &s, sizeof(s));
        } else {
            mark(i);
        }
        expected++;
        if (trace_ring_used(&ring) > 40)
            drain_all();
    }
    drain_all();
    parse();
    CHECK_EQ(ring.dropped_total, 0);
    CHECK_EQ(record_count, expected);
    for (uint32_t i = 0; i < record_count; i++) {
        if (i % 5 == 0) {
            struct trace_syscall_enter s;
            memcpy(&s, records[i].payload, sizeof(s));
            CHECK_EQ(records[i].id, TRACE_ID_syscall_enter);
            CHECK_EQ(s.number, (uint16_t)i);
            CHECK_EQ(s.arg1, ~(uint64_t)i);
        } else {
            CHECK_EQ(records[i].payload[0], i);
        }
        CHECK_EQ(records[i].tick, i / 3);
    }
    CHECK(sync_count >= 5000 * 8 / TRACE_SYNC_INTERVAL - 1);   /* frames every 4 KiB */
}

TEST(overflow_counts_drops_exactly)
{
    setup(64);
    for (uint32_t i = 0; i < 32; i++)           /* 32 marks of 2 words fill 64 words */
        mark(i);
    CHECK_EQ(trace_ring_used(&ring), 64);
    for (uint32_t i = 0; i < 17; i++)
        mark(100 + i);                          /* all lost */
    CHECK_EQ(ring.dropped_total, 17);
    CHECK_EQ(ring.pending_drops, 17);
    CHECK_EQ(ring.limit, 0);                     /* closed: the next writer goes slow */
    drain_all();
    CHECK_EQ(ring.limit, 0);                     /* still closed: drops to record */
    mark(999);                                   /* first writes drop(17), then itself */
    CHECK_EQ(ring.pending_drops, 0);
    drain_all();
    parse();
    CHECK_EQ(record_count, 34);
    CHECK_EQ(records[31].payload[0], 31);
    CHECK_EQ(records[32].id, TRACE_ID_drop);
    CHECK_EQ(records[32].payload[0], 17);
    CHECK_EQ(records[33].payload[0], 999);
    CHECK_EQ(records[33].seq, 33);               /* dropped events take no seq */
    CHECK_EQ(ring.limit, ring.tail + 64);        /* the gate is open again */
}

TEST(drops_accumulate_while_still_full)
{
    setup(64);
    for (uint32_t i = 0; i < 32; i++)
        mark(i);
    for (uint32_t i = 0; i < 5; i++)
        mark(i);                                 /* 5 dropped */
    trace_stream_drain(&stream, &ring, 1);       /* frees 2 words: not enough for 4 */
    mark(1);                                     /* drop+mark need 4: dropped too */
    CHECK_EQ(ring.pending_drops, 6);
    CHECK_EQ(ring.dropped_total, 6);
    trace_stream_drain(&stream, &ring, 1);       /* now 4 words free */
    trace_ring_record_drops(&ring);              /* a drop record alone, 2 words */
    CHECK_EQ(ring.pending_drops, 0);
    drain_all();
    parse();
    CHECK_EQ(records[record_count - 1].id, TRACE_ID_drop);
    CHECK_EQ(records[record_count - 1].payload[0], 6);
}

TEST(nested_emit_into_a_full_ring_is_counted)
{
    setup(64);
    for (uint32_t i = 0; i < 31; i++)
        mark(i);                                 /* 62 of 64 words */
    nest_at = 0;                                 /* nested mark takes the last 2 words */
    nest_value = 77;
    mark(1);                                     /* ...so the outer one is dropped */
    CHECK_EQ(ring.dropped_total, 1);
    drain_all();
    parse();
    CHECK_EQ(record_count, 32);
    CHECK_EQ(records[31].payload[0], 77);
}

/* Regression: with drops pending, `trace off` (and trace_flush at reboot) wrote no drop
 * record, since drop records were written only while recording was on: the kernel
 * counted 3910 lost events and the host decoder reported none. */
TEST(drops_pending_at_trace_off_are_recorded_before_the_silence)
{
    setup(64);
    for (uint32_t i = 0; i < 32 + 5; i++)
        mark(i);                                 /* 32 fill the ring, 5 dropped */
    drain_all();                                 /* room, but no writer comes to use it */
    clock_ticks = 9;
    trace_ring_set_enabled(&ring, false);
    CHECK_EQ(ring.pending_drops, 0);
    mark(99);                                    /* off: neither recorded nor dropped */
    drain_all();
    parse();
    CHECK_EQ(record_count, 33);
    CHECK_EQ(records[32].id, TRACE_ID_drop);
    CHECK_EQ(records[32].payload[0], 5);
    CHECK_EQ(records[32].tick, 9);
    CHECK_EQ(ring.dropped_total, 5);
}

/* The same with the ring still full at `trace off`: the drain writes the count into the
 * first room it makes, and trace_ring_record_drops works with recording off. */
TEST(drops_pending_at_trace_off_in_a_full_ring_are_recorded_by_the_drain)
{
    setup(64);
    for (uint32_t i = 0; i < 32 + 5; i++)
        mark(i);
    trace_ring_set_enabled(&ring, false);
    trace_ring_record_drops(&ring);              /* no room: the count stays pending */
    CHECK_EQ(ring.pending_drops, 5);
    trace_stream_drain(&stream, &ring, 2);       /* 4 words free: room for the drop */
    CHECK_EQ(ring.pending_drops, 0);
    drain_all();
    parse();
    CHECK_EQ(record_count, 33);
    CHECK_EQ(records[32].id, TRACE_ID_drop);
    CHECK_EQ(records[32].payload[0], 5);
}

/* Regression: records carry 16 bits of tick, and after `trace off` for 65536 ticks or
 * more every decoder (the drain for its sync frames and `trace tail` too) placed every
 * later record 65536 ticks early. Switching on again records `resume` with the full tick,
 * which the drain takes; the first switch-on at boot records none. */
TEST(resume_after_trace_off_carries_the_full_tick)
{
    setup(64);
    clock_ticks = 5;
    mark(1);
    trace_ring_set_enabled(&ring, false);
    clock_ticks = 5 + 70000;
    trace_ring_set_enabled(&ring, true);
    trace_ring_set_enabled(&ring, true);         /* already on: nothing more */
    for (uint32_t i = 0; i < 600; i++) {         /* 4800 bytes: a sync frame among them */
        mark(2);
        drain_all();
    }
    parse();
    CHECK_EQ(record_count, 602);
    CHECK_EQ(records[0].id, TRACE_ID_mark);
    CHECK_EQ(records[0].tick, 5);
    CHECK_EQ(records[1].id, TRACE_ID_resume);
    CHECK_EQ(records[1].payload[0], 70005);
    CHECK_EQ(records[1].tick, 70005);
    CHECK_EQ(records[601].tick, 70005);
    CHECK(sync_count >= 1);                      /* parse() checked its tick: 70005 */
    CHECK_EQ(stream.tick, 70005);
    CHECK_EQ(stream.recent[(stream.recent_count - 1) % TRACE_RECENT].tick, 70005);
}

/* Regression, the same for a long loss: a ring full for 65536 ticks or more. The drop
 * record carries the tick the loss ended at. */
TEST(drop_after_a_long_loss_carries_the_full_tick)
{
    setup(64);
    clock_ticks = 1;
    for (uint32_t i = 0; i < 32 + 1; i++)
        mark(i);                                 /* the last one dropped */
    drain_all();
    clock_ticks = 100000;                        /* 100000 & 0xffff = 34464 */
    mark(7);
    drain_all();
    parse();
    CHECK_EQ(records[32].id, TRACE_ID_drop);
    CHECK_EQ(records[32].payload[0], 1);
    CHECK_EQ(records[32].payload[1], 100000);
    CHECK_EQ(records[32].tick, 100000);
    CHECK_EQ(records[33].tick, 100000);
    CHECK_EQ(stream.tick, 100000);
}

/* A resume that finds the ring full is lost like any event: the drop record that
 * reports it carries the full tick instead. */
TEST(resume_into_a_full_ring_is_a_drop_that_carries_the_tick)
{
    setup(64);
    for (uint32_t i = 0; i < 32; i++)
        mark(i);
    trace_ring_set_enabled(&ring, false);
    clock_ticks = 70000;
    trace_ring_set_enabled(&ring, true);
    CHECK_EQ(ring.dropped_total, 1);
    drain_all();
    mark(8);
    drain_all();
    parse();
    CHECK_EQ(record_count, 34);
    CHECK_EQ(records[32].id, TRACE_ID_drop);
    CHECK_EQ(records[32].payload[0], 1);
    CHECK_EQ(records[33].tick, 70000);
}

TEST(tick_fields_are_found_in_the_table)
{
    CHECK_EQ(trace_tick_offset(TRACE_ID_drop), 4);
    CHECK_EQ(trace_tick_offset(TRACE_ID_resume), 0);
    CHECK_EQ(trace_tick_offset(TRACE_ID_mark), -1);
    CHECK_EQ(trace_tick_offset(200), -1);
    CHECK_EQ(trace_tick_offset(1000), -1);
}

TEST(table_sizes_match_the_structs)
{
    CHECK_EQ(trace_payload_words(TRACE_ID_mark), 1);
    CHECK_EQ(trace_payload_words(TRACE_ID_idle), 0);
    CHECK_EQ(trace_payload_words(TRACE_ID_exception), 5);
    CHECK_EQ(trace_payload_words(TRACE_ID_task_spawn), 5);
    CHECK_EQ(trace_payload_words(0), -1);
    CHECK_EQ(trace_payload_words(200), -1);
    CHECK_EQ(trace_payload_words(TRACE_ID_FRAME), -1);
    CHECK_EQ(trace_payload_words(1000), -1);
}
