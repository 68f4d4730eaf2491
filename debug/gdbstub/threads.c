/*
 * threads.c - GDB's threads for the packet handlers of gdbstub.c: the stopped CPU context
 * and the target's tasks (struct gdb_target's thread_next, thread_alive, on_cpu and
 * thread_info), as the packets H, T, qC, qfThreadInfo/qsThreadInfo, qThreadExtraInfo and
 * vCont name them. Arch-neutral, and silent: each call parses and decides, building any
 * reply in stub->out, and gdbstub.c sends it. Ids are 32 bits; in Hg and vCont, 0 (any
 * thread) and -1 (all) stand for the stopped context.
 */
#include "gdbstub_internal.h"
#include "errno.h"
#include "format.h"
#include "string.h"

/* A thread id as GDB sends it, up to `stop` ('\0': the packet's end): hex, or -1 for all
 * threads (0xffffffff). 0, or -EINVAL for anything else, an id above 32 bits included. */
static int parse_thread(const char *p, char stop, uint32_t *thread, const char **end)
{
    uint64_t value = 0xffffffffu;
    if (p[0] == '-' && p[1] == '1')
        p += 2;
    else if (rsp_parse_hex(p, &value, &p) != 0 || value > 0xffffffffu)
        return -EINVAL;
    if (*p != stop && !(stop == ';' && *p == '\0'))
        return -EINVAL;
    *thread = (uint32_t)value;
    if (end)
        *end = p;
    return 0;
}

static uint32_t thread_or_stopped(const struct gdbstub *stub, uint32_t thread)
{
    return thread == 0 || thread == 0xffffffffu ? stub->stopped_thread : thread;
}

static bool thread_alive(const struct gdbstub *stub, uint32_t thread)
{
    const struct gdb_target *t = stub->target;
    return thread == stub->stopped_thread || (t->thread_alive && t->thread_alive(thread));
}

static bool on_cpu(const struct gdbstub *stub, uint32_t thread)
{
    const struct gdb_target *t = stub->target;
    return thread == stub->stopped_thread || (t->on_cpu && t->on_cpu(thread));
}

int gdbstub_thread_select(struct gdbstub *stub, const char *p)
{
    uint32_t thread;
    if ((p[0] != 'g' && p[0] != 'c') || parse_thread(p + 1, '\0', &thread, NULL) != 0)
        return -EINVAL;
    if (p[0] == 'c')
        return 0;                           /* accepted and unused: vCont says */
    if (!thread_alive(stub, thread_or_stopped(stub, thread)))
        return -ESRCH;
    stub->reg_thread = thread_or_stopped(stub, thread);
    return 0;
}

int gdbstub_thread_alive(const struct gdbstub *stub, const char *p)
{
    uint32_t thread;
    if (parse_thread(p, '\0', &thread, NULL) != 0)
        return -EINVAL;
    return thread_alive(stub, thread) ? 0 : -ESRCH;
}

size_t gdbstub_thread_current(struct gdbstub *stub)
{
    return (size_t)ksnprintf(stub->out, sizeof(stub->out), "QC%x", stub->stopped_thread);
}

/*
 * GDB asks for the list page by page: qfThreadInfo, then qsThreadInfo until "l". Each
 * page holds as many ids as fit one reply (RSP_PACKET_MAX, our PacketSize), and the next
 * goes on after the last id sent, in the target's fixed order of ids (thread_next): so a
 * thread that lives from the first page to the last is listed exactly once, whichever
 * threads come or go between the packets (those are listed or not).
 */
size_t gdbstub_thread_list(struct gdbstub *stub, bool first)
{
    const struct gdb_target *t = stub->target;
    if (first)
        stub->thread_cursor = 0;
    size_t n = 0;
    stub->out[n++] = 'm';
    for (uint32_t id; t->thread_next && (id = t->thread_next(stub->thread_cursor)) != 0;) {
        char text[9];                       /* up to 8 hex digits */
        size_t len = (size_t)ksnprintf(text, sizeof(text), "%x", id);
        if (n + (n > 1) + len > RSP_PACKET_MAX)
            break;                          /* full: the next page starts with it */
        if (n > 1)
            stub->out[n++] = ',';
        memcpy(stub->out + n, text, len);
        n += len;
        stub->thread_cursor = id;
    }
    if (n == 1)
        stub->out[0] = 'l';                 /* nothing after the cursor */
    return n;
}

int gdbstub_thread_extra(struct gdbstub *stub, const char *p)
{
    uint32_t thread;
    char text[128];
    if (parse_thread(p, '\0', &thread, NULL) != 0)
        return -EINVAL;
    const struct gdb_target *t = stub->target;
    if (!t->thread_info || t->thread_info(thread, text, sizeof(text)) != 0)
        return -ESRCH;
    return (int)rsp_hex_encode(stub->out, text, strlen(text));
}

/* vCont;ACTION[:THREAD][;ACTION...]: the leftmost action that applies to the stopped
 * context (by any of its ids, or all threads) decides between step and continue. A step
 * for another thread, a waiting task with no CPU to run on, is refused rather than let
 * the kernel run free while GDB waits for that step. */
bool gdbstub_parse_vcont(struct gdbstub *stub, const char *p, enum gdb_resume *resume)
{
    bool step = false, decided = false, any = false;
    while (*p == ';') {
        p++;
        char action = *p++;
        if (action == 'C' || action == 'S') {        /* signal number: ignored */
            uint64_t signal;
            if (rsp_parse_hex(p, &signal, &p) != 0)
                return false;
        } else if (action != 'c' && action != 's') {
            return false;
        }
        uint32_t thread = 0xffffffffu;                /* none given, or -1: all */
        if (*p == ':' && parse_thread(p + 1, ';', &thread, &p) != 0)
            return false;
        bool stepping = action == 's' || action == 'S';
        bool ours = thread == 0xffffffffu || thread == 0 || on_cpu(stub, thread);
        if (stepping && !ours)
            return false;
        if (ours && !decided) {
            step = stepping;
            decided = true;
        }
        any = true;
    }
    if (!any || *p)
        return false;
    *resume = step ? GDB_STEP : GDB_CONTINUE;
    return true;
}
