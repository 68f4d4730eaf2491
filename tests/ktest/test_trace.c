/*
 * test_trace.c - the trace ring in the real kernel. trace_all_kinds emits one event of
 * every kind (tests/trace_all_kinds.h) between two marks with interrupts off, so that
 * tests/ktest/test_trace_stream.py can decode the COM2 capture and find exactly that
 * sequence; trace_marks_under_interrupts records while the timer interrupts (and
 * records into) the same ring, and the host checks nothing was lost or reordered;
 * trace_flush_reports_the_drops_of_a_full_ring checks that the end of a run reports a
 * loss with recording on or off.
 */
#include "cpu.h"
#include "ktest.h"
#include "pit.h"
#include "trace.h"
#include "../trace_all_kinds.h"

#define EMIT(name, ...) TRACE(name, __VA_ARGS__)
#define MARKS_UNDER_INTERRUPTS 20000

KTEST(trace_all_kinds)
{
    struct trace_stats before, after;
    trace_get_stats(&before);
    uint64_t flags = cpu_irq_save();
    TRACE(mark, .value = 0xa11c0000);               /* begin */
    TRACE_ALL_KINDS((uint32_t)pit_ticks());        /* the clock stands still: IRQs off */
    TRACE(mark, .value = 0xa11c00ff);               /* end */
    trace_flush();
    trace_get_stats(&after);                        /* no tick recorded in between */
    cpu_irq_restore(flags);
    KCHECK_EQ(after.dropped, before.dropped);
    KCHECK_EQ(after.used_words, 0);                 /* all of it went out on COM2 */
    KCHECK(after.recorded_words >= before.recorded_words + 21 + 19 * 2);
}

KTEST(trace_marks_under_interrupts)
{
    struct trace_stats before, after;
    trace_get_stats(&before);
    for (uint32_t i = 0; i < MARKS_UNDER_INTERRUPTS; i++) {
        TRACE(mark, .value = 0x10000000 + i);
        if (i % 1024 == 1023)
            trace_drain();
    }
    trace_flush();
    trace_get_stats(&after);
    KCHECK_EQ(after.dropped, before.dropped);
}

KTEST(trace_stats_and_switch)
{
    struct trace_stats s;
    uint64_t flags = cpu_irq_save();                /* no IRQ records in between */
    trace_get_stats(&s);                            /* (a tick between this read and the
                                                       cli once made it flaky: CI, 1 run) */
    KCHECK(s.enabled);
    KCHECK_EQ(s.capacity_words, 16384);
    KCHECK_EQ(s.table_hash, trace_table_hash());
    uint64_t recorded = s.recorded_words;
    trace_set_enabled(false);
    TRACE(mark, .value = 1);
    trace_get_stats(&s);
    trace_set_enabled(true);
    cpu_irq_restore(flags);
    KCHECK_EQ(s.recorded_words, recorded);          /* nothing recorded while off */
    KCHECK(!s.enabled);
}

static struct {
    uint32_t id, value;
} last;

static void keep_last(const uint32_t *record, uint32_t seq, uint64_t tick, void *ctx)
{
    (void)seq, (void)tick, (void)ctx;
    last.id = (record[0] >> 8) & 0xff;
    last.value = record[1];
}

/* Regression: `busy`, `trace off`, `reboot`: the kernel counted 3910 events dropped, the
 * stream reported none. trace_flush wrote the pending count only with recording on, and
 * before draining, when a full ring had no room for it. */
KTEST(trace_flush_reports_the_drops_of_a_full_ring)
{
    uint64_t flags = cpu_irq_save();                /* only these records */
    for (int off = 0; off <= 1; off++) {
        struct trace_stats before, after;
        trace_flush();
        trace_get_stats(&before);
        for (uint32_t i = 0; i < before.capacity_words / 2 + 5; i++)
            TRACE(mark, .value = i);                /* 2 words each: the last 5 are lost */
        if (off)
            trace_set_enabled(false);               /* still full: the count waits */
        trace_flush();
        trace_get_stats(&after);
        trace_set_enabled(true);
        KCHECK_EQ(after.dropped - before.dropped, 5);
        KCHECK_EQ(after.used_words, 0);
        KCHECK_EQ(trace_recent(1, keep_last, NULL), 1);
        KCHECK_EQ(last.id, TRACE_ID_drop);
        KCHECK_EQ(last.value, 5);
    }
    cpu_irq_restore(flags);
}
