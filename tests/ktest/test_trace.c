/*
 * test_trace.c - the trace ring in the real kernel. trace_all_kinds emits one event of
 * every kind (tests/trace_all_kinds.h) between two marks with interrupts off, so that
 * tests/ktest/test_trace_stream.py can decode the COM2 capture and find exactly that
 * sequence; trace_marks_under_interrupts records while the timer interrupts (and
 * records into) the same ring, and the host checks nothing was lost or reordered.
 */
#include "cpu.h"
#include "ktest.h"
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
    TRACE_ALL_KINDS();
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
    trace_get_stats(&s);
    KCHECK(s.enabled);
    KCHECK_EQ(s.capacity_words, 16384);
    KCHECK_EQ(s.table_hash, trace_table_hash());
    uint64_t flags = cpu_irq_save();                /* no IRQ records in between */
    uint64_t recorded = s.recorded_words;
    trace_set_enabled(false);
    TRACE(mark, .value = 1);
    trace_get_stats(&s);
    trace_set_enabled(true);
    cpu_irq_restore(flags);
    KCHECK_EQ(s.recorded_words, recorded);          /* nothing recorded while off */
    KCHECK(!s.enabled);
}
