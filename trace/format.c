/*
 * format.c - records as text inside the kernel, for the shell's `trace tail`: the same
 * "TICK EVENT field=value" form tools/trace.py prints (docs/trace-format.md), with the
 * field names and types taken from events.def through X-macros, syscall names from
 * kernel/syscall/syscalls.def (a table, not code: trace/ still depends on no subsystem).
 * One difference: a negated errno in a syscall result prints as a number (-14), where
 * the host decoder names it (-EFAULT). The drain keeps the last TRACE_RECENT records it
 * streamed, so this needs no second ring.
 */
#include "trace.h"
#include "format.h"
#include "string.h"
#include "syscall.h"

enum field_type {
    FT_u8, FT_u16, FT_u32, FT_x32, FT_x64, FT_str16, FT_waker, FT_result, FT_sysno, FT_sret,
    FT_sysarg,
};

static const uint8_t field_size[] = {
    [FT_u8] = 1, [FT_u16] = 2, [FT_u32] = 4, [FT_x32] = 4, [FT_x64] = 8, [FT_str16] = 16,
    [FT_waker] = 2, [FT_result] = 1, [FT_sysno] = 2, [FT_sret] = 8, [FT_sysarg] = 8,
};

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

struct field_desc {
    const char *name;              /* NULL ends the list */
    uint8_t type;
};

#define FIELD(type, name) { #name, FT_##type },
#define TRACE_EVENT(id, name, ...) \
    static const struct field_desc fields_##name[] = { __VA_ARGS__ { NULL, 0 } };
#include "events.def"
#undef TRACE_EVENT
#undef FIELD

static const struct {
    const char *name;
    const struct field_desc *fields;
} events[256] = {
#define TRACE_EVENT(id, name, ...) [id] = { #name, fields_##name },
#include "events.def"
#undef TRACE_EVENT
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
    size_t n = 0;
    if (!events[id].name)
        return (size_t)ksnprintf(buf, len, "%9lu ?event%u", tick, id);
    n += (size_t)ksnprintf(buf + n, n < len ? len - n : 0, "%9lu %s", tick, events[id].name);
    const uint8_t *payload = (const uint8_t *)&record[1];
    unsigned args = SYSCALL_ARGS_MAX;      /* sysarg fields shown, set by a sysno field */
    for (const struct field_desc *f = events[id].fields; f->name; f++) {
        uint64_t v = read_le(payload, f->type == FT_str16 ? 0 : field_size[f->type]);
        char value[24];
        bool known, shown = true;
        switch (f->type) {
        case FT_x32:
        case FT_x64:
            ksnprintf(value, sizeof(value), "0x%lx", v);
            break;
        case FT_str16:
            ksnprintf(value, sizeof(value), "%.16s", (const char *)payload);
            break;
        case FT_waker:
            if (v == 0)
                ksnprintf(value, sizeof(value), "kernel");
            else
                ksnprintf(value, sizeof(value), v & 0x8000 ? "irq%lu" : "task%lu",
                          v & 0x8000 ? v & 0xff : v);
            break;
        case FT_result:
            ksnprintf(value, sizeof(value), "%s", v == 1 ? "ready" : v == 0 ? "pending" : "?");
            break;
        case FT_sysno:
            known = v < ARRAY_SIZE(syscalls) && syscalls[v].name;
            args = known ? syscalls[v].args : SYSCALL_ARGS_MAX;
            if (known)
                ksnprintf(value, sizeof(value), "%s", syscalls[v].name);
            else
                ksnprintf(value, sizeof(value), "%lu", v);
            break;
        case FT_sysarg:
            ksnprintf(value, sizeof(value), "0x%lx", v);
            shown = args-- > 0;            /* not past the syscall's own arguments */
            break;
        case FT_sret:
            ksnprintf(value, sizeof(value), "%ld", (int64_t)v);
            break;
        default:
            ksnprintf(value, sizeof(value), "%lu", v);
            break;
        }
        if (f->name[0] != '_' && shown)
            n += (size_t)ksnprintf(buf + n, n < len ? len - n : 0, " %s=%s", f->name, value);
        payload += field_size[f->type];
    }
    return n;
}
