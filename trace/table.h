/*
 * table.h - the event table as data, for trace/'s own readers of records: the drain
 * (stream.c, which rebases its tick on `tick` fields) and the formatter (format.c).
 * Derived from events.def by table.c, so the two cannot disagree about a field's place
 * or type. The rest of the kernel sees trace.h alone.
 */
#ifndef LOCKSTEP_TRACE_TABLE_H
#define LOCKSTEP_TRACE_TABLE_H

#include "trace.h"

/* The field types of events.def, once: each has a C type trace_NAME in trace.h, and
 * tools/trace.py's TYPES knows the same names and sizes. */
#define TRACE_FIELD_TYPES(X) \
    X(u8) X(u16) X(u32) X(x32) X(x64) X(str16) X(waker) X(result) X(sysno) X(sret) \
    X(sysarg) X(tick)

enum trace_field_type {
#define TRACE_FIELD_ENUM(type) TRACE_FIELD_##type,
    TRACE_FIELD_TYPES(TRACE_FIELD_ENUM)
#undef TRACE_FIELD_ENUM
};

extern const uint8_t trace_field_size[];       /* bytes, by enum trace_field_type */

struct trace_field {
    const char *name;                          /* NULL ends an event's list */
    uint8_t type;                              /* enum trace_field_type */
};

struct trace_event_info {
    const char *name;
    const struct trace_field *fields;          /* in payload order */
};

/* Event `id`'s name and fields, or NULL for an id the table does not define. Pure. */
const struct trace_event_info *trace_event_info(unsigned id);

/* Byte offset of event `id`'s `tick` field in its payload, or -1 if it has none or the
 * id is unknown. Pure; one table load for the events without one (the drain asks for
 * every record). */
int trace_tick_offset(unsigned id);

#endif
