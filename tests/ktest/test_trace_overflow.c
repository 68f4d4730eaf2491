/*
 * test_trace_overflow.c - the trace ring overflowing under an interrupt storm. With the
 * drain held off, the ring is filled with marks to its last word, then a burst of
 * keyboard interrupts is injected (irq_inject: the IDT, irq_dispatch and the PS/2
 * handler, each recording irq_enter, then wake or key_drop, then irq_exit). None of
 * those records fits, and the ring must count each one: exactly three per interrupt.
 * Once drained, the next record is preceded by a `drop` record carrying that count.
 * Live interrupts are held off throughout, so that the storm is the only thing that
 * records and the count is known. tests/ktest/test_trace_overflow.py decodes the COM2
 * capture of this test and checks that the host decoder reports the same drops.
 */
#include "cpu.h"
#include "executor.h"
#include "irq.h"
#include "keyboard.h"
#include "kprintf.h"
#include "ktest.h"
#include "ps2kbd.h"
#include "trace.h"

#define STORM_INTERRUPTS    1000
#define RECORDS_PER_IRQ     3               /* irq_enter, wake or key_drop, irq_exit */
#define STORM_FILL_MARK     0x57000000u     /* + n: the n-th mark that fills the ring */
#define STORM_END_MARK      0x57ffffffu     /* the first record after the storm */

static struct {
    unsigned n;
    uint32_t id[2], value[2];
} last;

static void keep_last_two(const uint32_t *record, uint32_t seq, uint64_t tick, void *ctx)
{
    (void)seq, (void)tick, (void)ctx;
    last.id[last.n] = (record[0] >> 8) & 0xff;
    last.value[last.n] = record[1];
    last.n++;
}

KTEST(trace_ring_overflow_in_an_interrupt_storm_is_counted_exactly)
{
    struct trace_stats before, full, stormed, after;
    struct key_event key;
    uint64_t flags = cpu_irq_save();               /* from here on only the storm records */
    trace_flush();
    trace_get_stats(&before);
    KCHECK_EQ(before.used_words, 0);

    uint32_t marks = before.capacity_words / (1 + sizeof(struct trace_mark) / 4);
    for (uint32_t i = 0; i < marks; i++)
        TRACE(mark, .value = STORM_FILL_MARK + i);
    trace_get_stats(&full);
    KCHECK_EQ(full.used_words, full.capacity_words);
    KCHECK_EQ(full.dropped, before.dropped);

    for (unsigned i = 0; i < STORM_INTERRUPTS; i++)
        KCHECK_EQ(irq_inject(PS2KBD_IRQ, i % 2 ? 0x9e : 0x1e), 0);
    trace_get_stats(&stormed);
    KCHECK_EQ(stormed.recorded_words, full.recorded_words);           /* nothing got in */
    KCHECK_EQ(stormed.dropped - before.dropped, RECORDS_PER_IRQ * STORM_INTERRUPTS);

    trace_drain();                                 /* room again, but drops are pending: */
    TRACE(mark, .value = STORM_END_MARK);          /* this one goes in behind a `drop` */
    trace_drain();
    trace_get_stats(&after);
    cpu_irq_restore(flags);
    KCHECK_EQ(after.used_words, 0);
    KCHECK_EQ(after.dropped, stormed.dropped);     /* the drop record itself lost nothing */
    last.n = 0;
    KCHECK_EQ(trace_recent(2, keep_last_two, NULL), 2);
    KCHECK_EQ(last.id[0], TRACE_ID_drop);
    KCHECK_EQ(last.value[0], RECORDS_PER_IRQ * STORM_INTERRUPTS);
    KCHECK_EQ(last.id[1], TRACE_ID_mark);
    KCHECK_EQ(last.value[1], STORM_END_MARK);
    /* For the host: what the ring counted, to compare with what the decoder finds. */
    kprintf("trace storm: %u interrupts, %lu records dropped, %lu since boot\n",
            STORM_INTERRUPTS, after.dropped - before.dropped, after.dropped);

    while (executor_poll_one())                    /* the keyboard decodes what it kept */
        ;
    while (keyboard_read_key(&key))
        ;
}
