/*
 * trace_emit.c - the trace ring's emit path built for the host, for callgrind:
 * `trace_emit N KIND` records N events of KIND (mark: 4-byte payload, idle: none,
 * exception: 20 bytes) through emit_one(), draining to nowhere outside it. tools/bench.py
 * counts the instructions executed inside emit_one (--toggle-collect) and divides by N:
 * the kernel's fast path plus one call and return.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "stream.h"

static uint64_t ticks;
static TRACE_RING_DEFINE(ring, 16384);
static struct trace_stream stream;

static void discard(const void *bytes, size_t len, void *ctx)
{
    (void)bytes, (void)len, (void)ctx;
}

#define EMIT(name, ...)                                                                  \
    trace_ring_emit(&ring, TRACE_ID_##name, &(const struct trace_##name){ __VA_ARGS__ }, \
                    sizeof(struct trace_##name))

__attribute__((noinline)) void emit_mark(uint32_t i)
{
    EMIT(mark, .value = i);
}

__attribute__((noinline)) void emit_idle(uint32_t i)
{
    (void)i;
    EMIT(idle);
}

__attribute__((noinline)) void emit_exception(uint32_t i)
{
    EMIT(exception, .vector = 14, .error_code = i, .rip = 0xffffffff80101234);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s N mark|idle|exception\n", argv[0]);
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    void (*emit)(uint32_t) = strcmp(argv[2], "idle") == 0 ? emit_idle
                           : strcmp(argv[2], "exception") == 0 ? emit_exception : emit_mark;
    trace_ring_init(&ring, 16384, &ticks);
    trace_ring_set_enabled(&ring, true);
    trace_stream_init(&stream, discard, NULL, trace_table_hash(), 100);
    for (long i = 0; i < n; i++) {
        ticks = (uint64_t)i >> 6;
        emit((uint32_t)i);
        if (trace_ring_used(&ring) > 8192)
            trace_stream_drain(&stream, &ring, SIZE_MAX);
    }
    return ring.dropped_total == 0 ? 0 : 1;
}
