/*
 * kbench_trace.c - in-kernel benchmarks of the trace stream, linked into the test kernel
 * and run by make bench (tools/bench.py) with kbench=NAME on the command line:
 *   trace_stream   record marks as fast as possible for BENCH_TICKS ticks, draining to
 *                  COM2 as the ring fills: the sustained rate with zero drops
 *   serial_raw     write bytes to COM2 for BENCH_TICKS ticks: what the channel carries
 *   serial_raw_com3  the same on COM3, the GDB stub's channel (a Unix socket in the bench)
 * Both measure in ticks of the PIT (virtual time: wall time under plain TCG).
 */
#include "kprintf.h"
#include "ktest.h"
#include "pit.h"
#include "trace.h"
#include "uart16550.h"

#define BENCH_TICKS 200                           /* 2 s */

KBENCH(trace_stream)
{
    struct trace_stats before, after;
    trace_flush();
    trace_get_stats(&before);
    uint64_t start = pit_ticks() + 1;
    while (pit_ticks() < start)
        ;                                         /* start on a tick boundary */
    uint32_t marks = 0;
    while (pit_ticks() < start + BENCH_TICKS) {
        for (int i = 0; i < 256; i++)
            TRACE(mark, .value = marks++);
        trace_drain();
    }
    uint64_t ticks = pit_ticks() - start;
    trace_flush();
    trace_get_stats(&after);
    kprintf("kbench: trace_stream marks=%u records=%lu dropped=%lu bytes=%lu ticks=%lu hz=%u\n",
            marks, after.drained - before.drained, after.dropped - before.dropped,
            after.stream_bytes - before.stream_bytes, ticks, PIT_HZ);
}

/* Raw bytes to a UART for BENCH_TICKS ticks. */
static void serial_raw_to(struct uart *uart, const char *name)
{
    static uint8_t block[256];
    uint64_t start = pit_ticks() + 1;
    while (pit_ticks() < start)
        ;
    uint64_t bytes = 0;
    while (pit_ticks() < start + BENCH_TICKS) {
        uart_write_bytes(block, sizeof(block), uart);
        bytes += sizeof(block);
    }
    kprintf("kbench: %s bytes=%lu ticks=%lu hz=%u\n", name, bytes, pit_ticks() - start,
            PIT_HZ);
}

KBENCH(serial_raw)
{
    serial_raw_to(&com2, "serial_raw");            /* COM2: the trace's channel */
}

KBENCH(serial_raw_com3)
{
    serial_raw_to(&com3, "serial_raw_com3");       /* COM3: the GDB stub's channel */
}
