/*
 * table.c - tables derived from events.def at compile time: payload sizes for the
 * drain, and the table hash that ties a stream to the build that wrote it. Pure, so the
 * host tests link it too; tools/trace.py computes the same hash from the same file.
 */
#include "trace.h"

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
