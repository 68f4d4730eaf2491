/*
 * trace_stream_gen.c - writes a trace stream with the kernel's own ring and drain code,
 * for tests/unit/test_trace_decode.py: one event of every kind (tests/trace_all_kinds.h),
 * then N marks whose value is their index and whose tick is index / 4, drained as the
 * ring fills. Usage: trace_stream_gen N OUT-FILE [OFF-TICKS [MODE]]
 * With OFF-TICKS (not 0), recording is switched off after the first N / 2 marks for that
 * many ticks (a `resume` record follows), so the later marks' ticks are index / 4 +
 * OFF-TICKS. MODE is the header's run mode (enum trace_run_mode; default 0, normal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "stream.h"
#include "../trace_all_kinds.h"

static uint64_t ticks;
static TRACE_RING_DEFINE(ring, 1024);
static struct trace_stream stream;

static void sink(const void *bytes, size_t len, void *file)
{
    if (fwrite(bytes, 1, len, file) != len) {
        perror("trace_stream_gen: write");
        exit(1);
    }
}

#define EMIT(name, ...)                                                                  \
    trace_ring_emit(&ring, TRACE_ID_##name, &(const struct trace_##name){ __VA_ARGS__ }, \
                    sizeof(struct trace_##name))

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: %s MARKS OUT-FILE [OFF-TICKS [MODE]]\n", argv[0]);
        return 2;
    }
    long marks = strtol(argv[1], NULL, 10);
    uint64_t off_ticks = argc >= 4 ? strtoull(argv[3], NULL, 10) : 0;
    unsigned long mode = argc == 5 ? strtoul(argv[4], NULL, 10) : TRACE_MODE_NORMAL;
    FILE *out = fopen(argv[2], "wb");
    if (!out || marks < 0) {
        fprintf(stderr, "trace_stream_gen: cannot write %s\n", argv[2]);
        return 2;
    }
    trace_ring_init(&ring, 1024, &ticks);
    trace_ring_set_enabled(&ring, true);
    trace_stream_init(&stream, sink, out, trace_table_hash(), 100);
    if (mode > 0xff || trace_stream_set_mode(&stream, (unsigned)mode) != 0) {
        fprintf(stderr, "trace_stream_gen: mode %lu does not fit the header's byte\n", mode);
        return 2;
    }

    TRACE_ALL_KINDS((uint32_t)ticks);
    uint64_t off = 0;                               /* ticks spent with recording off */
    for (long i = 0; i < marks; i++) {
        ticks = (uint64_t)i / 4 + off;
        if (off_ticks && i == marks / 2) {
            trace_ring_set_enabled(&ring, false);
            off = off_ticks;
            ticks += off;
            trace_ring_set_enabled(&ring, true);    /* records resume */
        }
        EMIT(mark, .value = (uint32_t)i);
        if (trace_ring_used(&ring) > 512)
            trace_stream_drain(&stream, &ring, SIZE_MAX);
    }
    trace_stream_drain(&stream, &ring, SIZE_MAX);
    if (ring.dropped_total) {
        fprintf(stderr, "trace_stream_gen: %lu events dropped\n",
                (unsigned long)ring.dropped_total);
        return 1;
    }
    return fclose(out) == 0 ? 0 : 1;
}
