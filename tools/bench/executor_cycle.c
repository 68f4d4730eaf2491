/*
 * executor_cycle.c - one wake-then-poll cycle of the executor, built for the host, for
 * callgrind: `executor_cycle N on|off` wakes a task and polls it N times through
 * cycle(), with tracing on (every wake and poll recorded: 3 events) or off. The task's
 * poll returns at once, so the count is the executor's own cost plus the call into the
 * task. tools/bench.py divides the instructions inside cycle() by N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "machine.h"
#include "stream.h"
#include "trace.h"

static volatile uint64_t ticks;
TRACE_RING_DEFINE(trace_ring, 1 << 16);
static struct trace_stream stream;

uint64_t async_machine_irq_save(void) { return 0; }
void async_machine_irq_restore(uint64_t state) { (void)state; }
void async_machine_idle(void) { }

static void discard(const void *bytes, size_t len, void *ctx)
{
    (void)bytes, (void)len, (void)ctx;
}

static enum poll ready_at_once(struct task *task)
{
    (void)task;
    return POLL_PENDING;
}

__attribute__((noinline)) void cycle(uint16_t id)
{
    task_wake(id, TRACE_WAKER_IRQ(33));
    executor_poll_one();
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s N on|off\n", argv[0]);
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    trace_ring_init(&trace_ring, 1 << 16, &ticks);
    trace_ring_set_enabled(&trace_ring, strcmp(argv[2], "on") == 0);
    trace_stream_init(&stream, discard, NULL, trace_table_hash(), 100);
    executor_init();
    uint16_t id = (uint16_t)task_spawn("bench", ready_at_once, NULL);
    executor_poll_one();
    for (long i = 0; i < n; i++) {
        cycle(id);
        if (trace_ring_used(&trace_ring) > (1 << 15))
            trace_stream_drain(&stream, &trace_ring, SIZE_MAX);
    }
    return trace_ring.dropped_total == 0 ? 0 : 1;
}
