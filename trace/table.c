/*
 * table.c - tables derived from events.def at compile time: payload sizes and `tick`
 * fields for the drain, names and field types for the formatter (table.h), and the
 * table hash that ties a stream to the build that wrote it. Pure, so the host tests link
 * it too; tools/trace.py computes the same hash from the same file.
 */
#include "table.h"

/* Payload words + 1 per event id; 0 marks ids the table does not define. */
static const uint8_t payload_words_plus_one[256] = {
#define TRACE_EVENT(id, name, ...) [id] = sizeof(struct trace_##name) / 4 + 1,
#include "events.def"
#undef TRACE_EVENT
};

int trace_payload_words(unsigned id)
{
    return id < 256 ? (int)payload_words_plus_one[id] - 1 : -1;
}

const uint8_t trace_field_size[] = {
#define FIELD_SIZE(type) [TRACE_FIELD_##type] = sizeof(trace_##type),
    TRACE_FIELD_TYPES(FIELD_SIZE)
#undef FIELD_SIZE
};

/* Whether each event has a `tick` field, known at compile time so that the drain's
 * question costs one load per record; where the field is, only drop and resume ask. */
static const bool has_tick[256] = {
#define FIELD(type, name) || TRACE_FIELD_##type == TRACE_FIELD_tick
#define TRACE_EVENT(id, name, ...) [id] = false __VA_ARGS__,
#include "events.def"
#undef TRACE_EVENT
#undef FIELD
};

#define FIELD(type, name) { #name, TRACE_FIELD_##type },
#define TRACE_EVENT(id, name, ...) \
    static const struct trace_field fields_##name[] = { __VA_ARGS__ { NULL, 0 } };
#include "events.def"
#undef TRACE_EVENT
#undef FIELD

static const struct trace_event_info events[256] = {
#define TRACE_EVENT(id, name, ...) [id] = { #name, fields_##name },
#include "events.def"
#undef TRACE_EVENT
};

const struct trace_event_info *trace_event_info(unsigned id)
{
    return id < 256 && events[id].name ? &events[id] : NULL;
}

int trace_tick_offset(unsigned id)
{
    if (id >= 256 || !has_tick[id])
        return -1;
    int offset = 0;
    for (const struct trace_field *f = events[id].fields; f->name; f++) {
        if (f->type == TRACE_FIELD_tick)
            return offset;
        offset += trace_field_size[f->type];
    }
    return -1;
}

/* The table as text, "id:name:type field,type field,;" per event. */
static const char table_text[] =
#define FIELD(type, name) #type " " #name ","
#define TRACE_EVENT(id, name, ...) #id ":" #name ":" __VA_ARGS__ ";"
#include "events.def"
#undef TRACE_EVENT
#undef FIELD
    ;

uint32_t trace_table_hash(void)
{
    uint32_t hash = 2166136261u;               /* FNV-1a, 32 bits */
    for (const char *p = table_text; *p; p++) {
        hash ^= (uint8_t)*p;
        hash *= 16777619u;
    }
    return hash;
}
