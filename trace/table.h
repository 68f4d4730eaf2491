/*
 * table.h - the event table as data, for trace/'s own readers of records: the drain
 * (stream.c, which rebases its tick on `tick` fields) and the formatter (format.c).
 * Derived from events.def by table.c, so the two cannot disagree about a field's place
 * or type. The rest of the kernel sees trace.h alone.
 */
#ifndef LOCKSTEP_TRACE_TABLE_H
#define LOCKSTEP_TRACE_TABLE_H

#include "trace.h"

/* The field types of events.def (their C types are in trace.h, tools/trace.py's TYPES
 * knows the same names and sizes). */
enum trace_field_type {
    TRACE_FIELD_u8, TRACE_FIELD_u16, TRACE_FIELD_u32, TRACE_FIELD_x32, TRACE_FIELD_x64,
    TRACE_FIELD_str16, TRACE_FIELD_waker, TRACE_FIELD_result, TRACE_FIELD_sysno,
    TRACE_FIELD_sret, TRACE_FIELD_sysarg, TRACE_FIELD_tick,
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
 * id is unknown. Pure. */
int trace_tick_offset(unsigned id);

#endif
