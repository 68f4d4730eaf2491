/*
 * fake_machine.h - the executor's machine interface (kernel/async/machine.h) for host
 * tests, and the trace ring the kernel code records into. An "interrupt" is whatever
 * the test installs as fake_interrupt: async_machine_idle() runs it, as a real halt
 * would end with one. Included once per test binary.
 */
#ifndef LOCKSTEP_FAKE_MACHINE_H
#define LOCKSTEP_FAKE_MACHINE_H

#include "machine.h"
#include "trace.h"

static volatile uint64_t fake_ticks;
static int fake_irq_depth;                 /* > 0 while "interrupts are off" */
static unsigned fake_idles;
static void (*fake_interrupt)(void);

TRACE_RING_DEFINE(trace_ring, 1 << 16);

uint64_t async_machine_irq_save(void)
{
    return (uint64_t)fake_irq_depth++;
}

void async_machine_irq_restore(uint64_t state)
{
    fake_irq_depth = (int)state;
}

void async_machine_idle(void)
{
    fake_idles++;
    fake_irq_depth = 0;                    /* sti */
    if (fake_interrupt)
        fake_interrupt();
}


/* Start the trace ring afresh (recording on) over the fake clock. */
static inline void fake_trace_reset(void)
{
    trace_ring_init(&trace_ring, 1 << 16, &fake_ticks);
    trace_ring_set_enabled(&trace_ring, true);
}

/* The records in the ring since the reset, as "name arg" strings: the event name and
 * its first payload half-word, e.g. "wake 3", "poll_begin 2", "idle". */
static inline size_t fake_trace_events(char out[][32], size_t max)
{
    static const char *const names[256] = {
#define TRACE_EVENT(id, name, ...) [id] = #name,
#include "events.def"
#undef TRACE_EVENT
    };
    size_t n = 0;
    for (uint64_t at = 0; at < trace_ring.head && n < max;) {
        uint32_t header = trace_ring.words[at];
        unsigned id = (header >> 8) & 0xff;
        uint32_t arg = trace_payload_words(id) > 0 ? trace_ring.words[at + 1] & 0xffff : 0;
        if (trace_payload_words(id) > 0)
            snprintf(out[n++], 32, "%s %u", names[id], arg);
        else
            snprintf(out[n++], 32, "%s", names[id]);
        at += 1 + (uint64_t)trace_payload_words(id);
    }
    return n;
}

#endif
