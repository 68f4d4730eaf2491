/*
 * replay.c - replay from a log, and record mode (replay.h).
 *
 * Boundaries: one after every poll (after_poll) and one at every idle point (idle),
 * counted from boot; tools/replay.py counts the same events (poll_end, idle) in a
 * trace. An entry with boundary B is injected when the count reaches B; an entry with
 * REPLAY_AT_IDLE is injected, one per idle point, whenever the kernel goes idle. When the
 * log is used up and the kernel is idle, the trace is flushed and QEMU exits (pass).
 * An entry flagged REPLAY_IN_PROGRAM is not injected at its boundary but inside the
 * poll that follows it, where a user program would have entered ring 3. A replay also
 * ends when the log is used up as a program is about to enter ring 3: with interrupts
 * off there, nothing could ever stop a program that makes no syscall.
 */
#include "replay.h"
#include "cpu.h"
#include "debug_exit.h"
#include "errno.h"
#include "executor.h"
#include "irq.h"
#include "kprintf.h"
#include "panic.h"
#include "pit.h"
#include "ps2kbd.h"
#include "string.h"
#include "trace.h"
#include "uart16550.h"
#include "vmm.h"

static const struct replay_entry *entries;     /* the module, read only */
static uint32_t count, next;                   /* the executor only */
static uint32_t boundary;                      /* boundaries passed so far */
static enum trace_run_mode mode = TRACE_MODE_NORMAL;

static void inject(const struct replay_entry *e)
{
    irq_inject((unsigned)e->vector - IRQ_BASE_VECTOR, e->data);
}

static void finish(uint8_t code)
{
    trace_flush();
    debug_exit(code);
}

/*
 * The divergence messages name the kind of input that is due, since each fails
 * differently: a positioned input's boundary passed (or has yet to come while the
 * kernel sits idle); an in-program one needed a user program to enter ring 3 in the
 * poll after its boundary, and none did. Unpositioned (at-idle) inputs cannot diverge.
 */
static void diverged_past(const struct replay_entry *e)
{
    if (e->flags & REPLAY_IN_PROGRAM)
        kprintf("replay: diverged: at boundary %u, an in-program input is still due: it "
                "arrived while a user program ran, in the poll after boundary %u, but no "
                "program entered ring 3 before boundary %u\n", boundary, e->boundary,
                boundary);
    else
        kprintf("replay: diverged: an input recorded at boundary %u is still due at %u\n",
                e->boundary, boundary);
    finish(REPLAY_EXIT_DIVERGED);
}

static void diverged_idle(const struct replay_entry *e)
{
    if (e->flags & REPLAY_IN_PROGRAM)
        kprintf("replay: diverged: idle at boundary %u with no task ready, but the next "
                "input is an in-program one: it arrived while a user program ran, in the "
                "poll after boundary %u\n", boundary, e->boundary);
    else
        kprintf("replay: diverged: idle at boundary %u with no task ready, but the next "
                "input is recorded at boundary %u\n", boundary, e->boundary);
    finish(REPLAY_EXIT_DIVERGED);
}

/* Inject every entry recorded for the boundary just reached. */
static void at_boundary(void)
{
    boundary++;
    while (next < count && entries[next].boundary == boundary &&
           !(entries[next].flags & REPLAY_IN_PROGRAM))
        inject(&entries[next++]);
    if (next < count && entries[next].boundary != REPLAY_AT_IDLE &&
        entries[next].boundary < boundary)
        diverged_past(&entries[next]);
}

static void replay_after_poll(void)
{
    at_boundary();
}

static void replay_idle(void)
{
    uint32_t before = next;
    at_boundary();
    if (next == before && next < count && entries[next].boundary == REPLAY_AT_IDLE)
        inject(&entries[next++]);              /* one unpositioned input per idle point */
    else if (next == before && next == count)
        finish(DEBUG_EXIT_SUCCESS);            /* used up, nothing left to run */
    else if (next == before)
        diverged_idle(&entries[next]);         /* positioned: at or after this boundary */
}

static const struct executor_points replay_points = {
    .after_poll = replay_after_poll,
    .idle = replay_idle,
};

static void replay_panic(const char *message)
{
    (void)message;
    finish(REPLAY_EXIT_PANIC);                 /* after the trace's own flush hook */
}

static int refuse(const char *why)
{
    kprintf("replay: %s\n", why);
    return -EINVAL;
}

/*
 * Refuse a malformed log before anything runs. Timer entries start ticks 1, 2, 3... in
 * log order (the PIT is masked: only the log advances time); the timer ignores their
 * data, which only becomes the trace's irq_enter.data, so a wrong one would not make the
 * replay diverge but would make its trace name a tick that never started. The other
 * rules refuse what could only end with "diverged". Positioned entries come in
 * the order the boundaries pass: an in-program entry at B arrives in the poll after
 * boundary B, so after B's other entries and alone (one interrupt ends a program's run);
 * at_boundary never sees boundary 0, so only an in-program entry can be positioned there.
 */
static int check_entries(void)
{
    const struct replay_entry *last = NULL;    /* the previous positioned entry */
    uint32_t ticks = 0;
    for (uint32_t i = 0; i < count; i++) {
        const struct replay_entry *e = &entries[i];
        if (e->vector != IRQ_BASE_VECTOR + PIT_IRQ && e->vector != IRQ_BASE_VECTOR + PS2KBD_IRQ)
            return refuse("the log has an entry for a vector other than 32 and 33");
        if (e->flags & ~REPLAY_IN_PROGRAM || (e->flags && e->boundary == REPLAY_AT_IDLE))
            return refuse("the log has an entry with unknown flags");
        if (e->vector == IRQ_BASE_VECTOR + PIT_IRQ && e->data != (uint16_t)++ticks)
            return refuse("the log has a timer entry whose data is not the tick it starts "
                          "(1, 2, 3...)");
        if (e->boundary == REPLAY_AT_IDLE)
            continue;
        if (e->boundary == 0 && !(e->flags & REPLAY_IN_PROGRAM))
            return refuse("the log has an entry at boundary 0 (boundaries count from 1)");
        if (last && e->boundary < last->boundary)
            return refuse("the log's boundaries go backwards");
        if (last && e->boundary == last->boundary && (last->flags & REPLAY_IN_PROGRAM))
            return refuse("the log has an entry after an in-program entry at the same "
                          "boundary");
        last = e;
    }
    return 0;
}

int replay_start(const struct boot_info *boot)
{
    if (boot->module_count < 1)
        return refuse("no log: pass it as the first multiboot module");
    const struct boot_module *m = &boot->modules[0];
    uint64_t size = m->end - m->start;
    const struct replay_header *h = vmm_phys_window(m->start, m->end);
    if (!h)
        return refuse("the log module lies outside RAM");
    if (size < sizeof(*h) || memcmp(h->magic, REPLAY_MAGIC, sizeof(h->magic)) != 0)
        return refuse("the first module is not a replay log (magic LKRPLAY1)");
    if (h->count > (size - sizeof(*h)) / sizeof(struct replay_entry) || h->count > INT32_MAX)
        return refuse("the log is shorter than its entry count");
    if (size != sizeof(*h) + (uint64_t)h->count * sizeof(struct replay_entry))
        return refuse("the log is longer than its entry count");
    entries = (const struct replay_entry *)(h + 1);
    count = h->count;
    int err = check_entries();
    if (err)
        return err;
    irq_mask(PIT_IRQ);                         /* only the log drives the kernel now */
    irq_mask(PS2KBD_IRQ);
    irq_mask(COM1_IRQ);
    panic_add_hook(replay_panic);
    executor_set_points(&replay_points);
    mode = TRACE_MODE_REPLAY;
    trace_set_mode(mode);                      /* the stream's header says so */
    return (int)count;
}

static void record_after_poll(void)
{
    cpu_interrupt_window();                    /* pending interrupts, here and only here */
}

static void record_idle(void)
{
    cpu_sti_hlt();                             /* executor_idle turns them off again */
}

static const struct executor_points record_points = {
    .after_poll = record_after_poll,
    .idle = record_idle,
};

void record_start(void)
{
    irq_mask(COM1_IRQ);                        /* only the PS/2 keyboard types */
    executor_set_points(&record_points);
    mode = TRACE_MODE_RECORD;
    trace_set_mode(mode);                      /* so convert knows its captures */
}

bool replay_program_input(void)
{
    if (mode != TRACE_MODE_REPLAY)
        return false;
    if (next == count)                         /* ring 3 runs with interrupts off here: */
        finish(DEBUG_EXIT_SUCCESS);            /* a program without syscalls would spin */
    if (entries[next].boundary != boundary || !(entries[next].flags & REPLAY_IN_PROGRAM))
        return false;
    inject(&entries[next++]);
    return true;
}

enum trace_run_mode input_mode(void)
{
    return mode;
}

void replay_reboot(void)
{
    if (mode == TRACE_MODE_REPLAY)
        finish(REPLAY_EXIT_REBOOT);
}
