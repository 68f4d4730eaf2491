/*
 * format.c - records as text inside the kernel, for the shell's `trace tail`: the same
 * "TICK EVENT field=value" form tools/trace.py prints (docs/trace-format.md), with the
 * field names and types of events.def (table.h), syscall names from
 * kernel/syscall/syscalls.def (a table, not code: trace/ still depends on no subsystem).
 * TICK is the full tick the drain worked out for the record (stream.c), which has already
 * taken a `tick` field as the current tick; here a `tick` field is just a number.
 * One difference: a negated errno in a syscall result prints as a number (-14), where
 * the host decoder names it (-EFAULT). The drain keeps the last TRACE_RECENT records it
 * streamed, so this needs no second ring.
 */
#include "table.h"
#include "format.h"
#include "string.h"
#include "syscall.h"

/* Name and argument count of each syscall; a NULL name: no such number. */
static const struct {
    const char *name;
    uint8_t args;
} syscalls[] = {
#define SYSCALL0(nr, fn, text) [nr] = { #fn, 0 },
#define SYSCALL1(nr, fn, text, ...) [nr] = { #fn, 1 },
#define SYSCALL2(nr, fn, text, ...) [nr] = { #fn, 2 },
#define SYSCALL3(nr, fn, text, ...) [nr] = { #fn, 3 },
#include "syscalls.def"
#undef SYSCALL0
#undef SYSCALL1
#undef SYSCALL2
#undef SYSCALL3
};

static uint64_t read_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i > 0; i--)
        v = v << 8 | p[i - 1];
    return v;
}

size_t trace_format_record(const uint32_t *record, uint64_t tick, char *buf, size_t len)
{
    unsigned id = (record[0] >> 8) & 0xff;
    const struct trace_event_info *event = trace_event_info(id);
    size_t n = 0;
    if (!event)
        return (size_t)ksnprintf(buf, len, "%9lu ?event%u", tick, id);
    n += (size_t)ksnprintf(buf + n, n < len ? len - n : 0, "%9lu %s", tick, event->name);
    const uint8_t *payload = (const uint8_t *)&record[1];
    unsigned args = SYSCALL_ARGS_MAX;      /* sysarg fields shown, set by a sysno field */
    for (const struct trace_field *f = event->fields; f->name; f++) {
        size_t size = trace_field_size[f->type];
        uint64_t v = read_le(payload, f->type == TRACE_FIELD_str16 ? 0 : size);
        char value[24];
        bool known, shown = true;
        switch (f->type) {
        case TRACE_FIELD_x32:
        case TRACE_FIELD_x64:
            ksnprintf(value, sizeof(value), "0x%lx", v);
            break;
        case TRACE_FIELD_str16:
            ksnprintf(value, sizeof(value), "%.16s", (const char *)payload);
            break;
        case TRACE_FIELD_waker:
            if (v == 0)
                ksnprintf(value, sizeof(value), "kernel");
            else
                ksnprintf(value, sizeof(value), v & 0x8000 ? "irq%lu" : "task%lu",
                          v & 0x8000 ? v & 0xff : v);
            break;
        case TRACE_FIELD_result:
            ksnprintf(value, sizeof(value), "%s", v == 1 ? "ready" : v == 0 ? "pending" : "?");
            break;
        case TRACE_FIELD_sysno:
            known = v < ARRAY_SIZE(syscalls) && syscalls[v].name;
            args = known ? syscalls[v].args : SYSCALL_ARGS_MAX;
            if (known)
                ksnprintf(value, sizeof(value), "%s", syscalls[v].name);
            else
                ksnprintf(value, sizeof(value), "%lu", v);
            break;
        case TRACE_FIELD_sysarg:
            ksnprintf(value, sizeof(value), "0x%lx", v);
            shown = args-- > 0;            /* not past the syscall's own arguments */
            break;
        case TRACE_FIELD_sret:
            ksnprintf(value, sizeof(value), "%ld", (int64_t)v);
            break;
        default:
            ksnprintf(value, sizeof(value), "%lu", v);
            break;
        }
        if (f->name[0] != '_' && shown)
            n += (size_t)ksnprintf(buf + n, n < len ? len - n : 0, " %s=%s", f->name, value);
        payload += size;
    }
    return n;
}
