/*
 * trace.h - the public face of the trace ring: event payloads, TRACE() to record one,
 * and the calls that set up, switch and drain the ring. Everything else in the kernel
 * reaches tracing only through this header.
 *
 *   TRACE(irq_enter, .vector = 33);          record one event (any context, IRQ-safe,
 *                                            lock-free, never blocks, never allocates)
 *
 * Event kinds and their fields come from trace/events.def (X-macros below). The backend
 * (the byte sink the drain writes to, the tick counter records are stamped with) is
 * handed in by kmain; trace/ depends on nothing but kernel/lib (and, in format.c, the
 * syscall table's definition file and its argument count, to name syscalls).
 */
#ifndef LOCKSTEP_TRACE_H
#define LOCKSTEP_TRACE_H

#include "compiler.h"

/* Field types of events.def (tools/trace.py knows the same names and sizes). */
typedef uint8_t  trace_u8;
typedef uint16_t trace_u16;
typedef uint32_t trace_u32;
typedef uint32_t trace_x32;
typedef uint64_t trace_x64;
typedef char     trace_str16[16];
typedef uint16_t trace_waker;
typedef uint8_t  trace_result;
typedef uint16_t trace_sysno;
typedef uint64_t trace_sret;
typedef uint64_t trace_sysarg;
typedef uint32_t trace_tick;                 /* the full tick: decoders rebase on it */

/* One packed payload struct per event: struct trace_irq_enter { uint8_t vector; ... }. */
#define FIELD(type, name) trace_##type name;
#define TRACE_EVENT(id, name, ...) struct trace_##name { __VA_ARGS__ } __packed;
#include "events.def"
#undef TRACE_EVENT
#undef FIELD

enum trace_event_id {
#define TRACE_EVENT(id, name, ...) TRACE_ID_##name = id,
#include "events.def"
#undef TRACE_EVENT
    TRACE_ID_FRAME = 0xff,               /* first byte of stream frames (header, sync) */
};

#define TRACE_EVENT(id, name, ...)                                                    \
    _Static_assert(sizeof(struct trace_##name) % 4 == 0,                            \
                   "trace event " #name ": payload must be a multiple of 4 bytes");    \
    _Static_assert((id) > 0 && (id) < TRACE_ID_FRAME, "trace event " #name ": bad id");
#include "events.def"
#undef TRACE_EVENT

#define TRACE_WAKER_KERNEL       0
#define TRACE_WAKER_IRQ(vector)  ((uint16_t)(0x8000 | (vector)))
#define TRACE_WAKER_TASK(task)   ((uint16_t)(task))
#define TRACE_POLL_PENDING       0
#define TRACE_POLL_READY         1

#include "ring.h"

extern struct trace_ring trace_ring;         /* the kernel's ring (trace.c) */

/* Record one event: TRACE(name, .field = value, ...). Unnamed fields are zero.
 * TRACE_COMPILED_OUT (make bench only) removes every record, to measure what the
 * recording itself costs; the kernel is never built that way. */
#ifndef TRACE_COMPILED_OUT
#define TRACE(name, ...)                                                              \
    trace_ring_emit(&trace_ring, TRACE_ID_##name,                                     \
                    &(const struct trace_##name){ __VA_ARGS__ },                      \
                    sizeof(struct trace_##name))
#else
#define TRACE(name, ...) ((void)(struct trace_##name){ __VA_ARGS__ })
#endif

/* Record an event whose payload struct was filled in step by step (e.g. a name copied in):
 * TRACE_STRUCT(task_spawn, &event). */
#define TRACE_STRUCT(name, payload)                                                   \
    trace_ring_emit(&trace_ring, TRACE_ID_##name, (const struct trace_##name *)(payload), \
                    sizeof(struct trace_##name))

struct trace_backend {
    /* Writes stream bytes out (COM2 in the kernel). Called only by the drain. */
    void (*write)(const void *bytes, size_t len, void *ctx);
    void *ctx;
    const volatile uint64_t *clock;      /* the tick counter records are stamped with */
    uint32_t tick_hz;
};

/* Set up the ring over its static buffer, start recording and emit the `boot` event.
 * Call once, early in boot, with IRQs off. Cannot fail. */
void trace_init(const struct trace_backend *backend);

/* The kernel's run mode, which the stream's header frame carries (docs/trace-format.md):
 * where its interrupts come from. tools/trace.py parses these names and values from
 * here, and tools/replay.py convert takes only a record-mode capture. */
enum trace_run_mode {
    TRACE_MODE_NORMAL = 0,                   /* live interrupts, whenever they come */
    TRACE_MODE_RECORD = 1,                   /* live, taken only at boundaries (replay.h) */
    TRACE_MODE_REPLAY = 2,                   /* injected from a log */
};

/* Say which mode the kernel runs in; until then it is TRACE_MODE_NORMAL. Call during
 * boot, before the first drain writes the header (kmain chooses the mode before the
 * executor starts): called after, it panics, since the header gave the mode it had. Not
 * IRQ-safe (the drain reads it); cannot fail otherwise. */
void trace_set_mode(enum trace_run_mode mode);

/* Turn recording on or off (trace on|off); switched on again, it records `resume` first
 * (ring.h). IRQ-safe. */
void trace_set_enabled(bool enabled);

/* Move recorded events to the backend, in order, framed as docs/trace-format.md says.
 * Task context, never an IRQ handler, never inside a writer (or at a panic, where a
 * half-written record counts as damage). It produces no events itself (with recording
 * off, it writes a pending drop count into the room it frees: ring.h). Re-entered, it
 * returns 0. Returns the number of records written. Never blocks beyond the backend's
 * writes. */
size_t trace_drain(void);

/* The same at a debugger's stop (GDB's `monitor trace`), which may have interrupted a
 * writer: it ends before that writer's record, which a later drain takes (ring.h). */
size_t trace_drain_at_stop(void);

/* End of a run (test exit, panic, reboot): drain all and record any pending drop count,
 * recording on or off, so that the stream reports every loss. */
size_t trace_flush(void);

struct trace_stats {
    uint64_t recorded_words;  /* words written to the ring since boot */
    uint64_t dropped;         /* events lost to a full ring */
    uint64_t drained;         /* records written to the backend */
    uint64_t stream_bytes;    /* bytes written to the backend, frames included */
    uint64_t used_words;
    uint32_t capacity_words;
    uint32_t table_hash;
    bool enabled;
};
void trace_get_stats(struct trace_stats *stats);

/* One record (header word first) as "TICK EVENT field=value..." in buf (always
 * NUL-terminated). Returns the length the full text has. Pure; cannot fail. */
size_t trace_format_record(const uint32_t *record, uint64_t tick, char *buf, size_t len);

/* Call fn(record, seq, tick) for the last `count` records the drain streamed (at most
 * TRACE_RECENT are kept), oldest first. Task context. Returns how many. */
size_t trace_recent(size_t count, void (*fn)(const uint32_t *record, uint32_t seq,
                                             uint64_t tick, void *ctx), void *ctx);

/* FNV-1a hash of the event table as compiled (tools/trace.py computes the same). */
uint32_t trace_table_hash(void);

/* Payload size in 32-bit words of event `id`, or -1 for an unknown id. */
int trace_payload_words(unsigned id);

#endif
