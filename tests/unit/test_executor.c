/*
 * test_executor.c - the executor, the timer queue and the keyboard path on the host,
 * with a fake interrupt source (fake_machine.h): FIFO wake order, coalescing, wakes
 * during a poll, harmless stale wakes, spawn/exit/join and slot reuse, sleepers waking
 * at the right tick in deadline order, the idle step, what the trace records, the
 * keyboard's queues when nobody drains them, and the tasks as the GDB stub sees them
 * (gdb_tasks.c).
 */
#include "unit.h"
#include "fake_machine.h"
#include "host_kernel.h"
#include "errno.h"
#include "executor.h"
#include "gdb_tasks.h"
#include "keyboard.h"
#include "timer.h"

static char order[64];                     /* which task ran, in poll order */
static size_t order_len;

struct recorder {
    char tag;
    unsigned polls;
    bool wake_self;                        /* wake itself during its first poll */
    bool finish;                           /* return ready on the first poll */
    int32_t code;
};

static enum poll record_poll(struct task *task)
{
    struct recorder *r = task->data;
    order[order_len++] = r->tag;
    r->polls++;
    if (r->wake_self && r->polls == 1)
        task_wake(task->id, TRACE_WAKER_TASK(task->id));
    if (r->finish) {
        task->exit_code = r->code;
        return POLL_READY;
    }
    return POLL_PENDING;
}

static void setup(void)
{
    fake_trace_reset();
    fake_ticks = 0;
    fake_interrupt = NULL;
    fake_idles = 0;
    executor_init();
    timer_init(&fake_ticks, 100, TRACE_WAKER_IRQ(32));
    order_len = 0;
    memset(order, 0, sizeof(order));
}

static void run_ready(void)
{
    while (executor_poll_one())
        ;
}

TEST(spawned_tasks_run_in_spawn_order)
{
    setup();
    static struct recorder a = { .tag = 'a' }, b = { .tag = 'b' }, c = { .tag = 'c' };
    CHECK_EQ(task_spawn("a", record_poll, &a), 1);    /* ids start at 1 */
    CHECK_EQ(task_spawn("b", record_poll, &b), 2);
    CHECK_EQ(task_spawn("c", record_poll, &c), 3);
    run_ready();
    CHECK_STR(order, "abc");
    CHECK(!executor_poll_one());
}

TEST(wakes_are_served_fifo)
{
    setup();
    static struct recorder a = { .tag = 'a' }, b = { .tag = 'b' }, c = { .tag = 'c' };
    int ia = task_spawn("a", record_poll, &a), ib = task_spawn("b", record_poll, &b);
    int ic = task_spawn("c", record_poll, &c);
    run_ready();
    order_len = 0;
    task_wake((uint16_t)ic, TRACE_WAKER_IRQ(33));
    task_wake((uint16_t)ia, TRACE_WAKER_IRQ(33));
    task_wake((uint16_t)ib, TRACE_WAKER_KERNEL);
    run_ready();
    CHECK_STR(order, "abccab" + 3);
}

TEST(repeated_wakes_coalesce_but_are_all_traced_and_counted)
{
    setup();
    static struct recorder a = { .tag = 'a' };
    uint16_t id = (uint16_t)task_spawn("a", record_poll, &a);
    run_ready();
    fake_trace_reset();
    order_len = 0;
    task_wake(id, TRACE_WAKER_IRQ(33));
    task_wake(id, TRACE_WAKER_IRQ(33));
    task_wake(id, TRACE_WAKER_IRQ(32));
    run_ready();
    CHECK_EQ(order_len, 1);
    struct task_info info[4];
    CHECK_EQ(executor_tasks(info, 4), 1);
    CHECK_EQ(info[0].wakes, 3);
    CHECK_EQ(info[0].polls, 2);
    char ev[16][32];
    size_t n = fake_trace_events(ev, 16);
    CHECK_EQ(n, 5);
    CHECK_STR(ev[0], "wake 1");
    CHECK_STR(ev[2], "wake 1");
    CHECK_STR(ev[3], "poll_begin 1");
    CHECK_STR(ev[4], "poll_end 1");
}

TEST(a_wake_during_poll_polls_again_after_the_others)
{
    setup();
    static struct recorder a = { .tag = 'a', .wake_self = true }, b = { .tag = 'b' };
    task_spawn("a", record_poll, &a);
    task_spawn("b", record_poll, &b);
    run_ready();
    CHECK_STR(order, "aba");
    struct task_info info[4];
    executor_tasks(info, 4);
    CHECK_EQ(info[0].state, TASK_WAITING);
}

/* An "interrupt" that lands while a task is being polled wakes it: it runs again. */
static uint16_t irq_target;
static void irq_wakes_target(void)
{
    task_wake(irq_target, TRACE_WAKER_IRQ(33));
}

struct irq_in_poll {
    unsigned polls;
};

static enum poll irq_during_poll(struct task *task)
{
    struct irq_in_poll *s = task->data;
    if (++s->polls == 1) {
        CHECK_EQ(task_state_of(task), TASK_RUNNING);
        irq_wakes_target();                /* as if IRQ 1 fired right now */
        CHECK_EQ(task->queued, 1);         /* queued again, still running */
    }
    return POLL_PENDING;
}

TEST(an_interrupt_during_a_poll_requeues_the_task)
{
    setup();
    static struct irq_in_poll s;
    irq_target = (uint16_t)task_spawn("irq", irq_during_poll, &s);
    run_ready();
    CHECK_EQ(s.polls, 2);
}

TEST(waking_finished_or_unknown_tasks_is_harmless)
{
    setup();
    static struct recorder a = { .tag = 'a', .finish = true };
    uint16_t id = (uint16_t)task_spawn("a", record_poll, &a);
    run_ready();
    task_wake(id, TRACE_WAKER_KERNEL);            /* done */
    task_wake(999, TRACE_WAKER_KERNEL);           /* never existed */
    task_wake(0, TRACE_WAKER_KERNEL);
    CHECK(!executor_poll_one());
    CHECK_EQ(a.polls, 1);
}

struct parent {
    struct async async;
    uint16_t child;
    int32_t code;
    int result;
};
static struct recorder child_rec = { .tag = 'c', .finish = true, .code = 7 };

static enum poll parent_poll(struct task *task)
{
    struct parent *p = task->data;
    ASYNC_BEGIN(&p->async);
    p->child = (uint16_t)task_spawn("child", record_poll, &child_rec);
    AWAIT(&p->async, (p->result = task_join_poll(p->child, &p->code)) != 0);
    ASYNC_END(&p->async);
}

TEST(join_returns_the_exit_code_and_frees_the_slot)
{
    setup();
    static struct parent p;
    int pid = task_spawn("parent", parent_poll, &p);
    run_ready();
    CHECK_EQ(p.result, 1);
    CHECK_EQ(p.code, 7);
    struct task_info info[4];
    size_t n = executor_tasks(info, 4);
    CHECK_EQ(n, 1);                               /* the parent, done; the child joined */
    CHECK_EQ(info[0].id, pid);
    CHECK_EQ(info[0].state, TASK_DONE);
    CHECK_EQ(task_join_poll(p.child, NULL), -ENOENT);
    /* The child's slot comes back with a new id. */
    static struct recorder d = { .tag = 'd' };
    int again = task_spawn("again", record_poll, &d);
    CHECK_EQ(again, p.child + TASK_MAX);
    task_wake(p.child, TRACE_WAKER_KERNEL);       /* a stale waker: ignored */
    run_ready();
    CHECK_EQ(d.polls, 1);
}

TEST(spawn_fails_cleanly_when_full)
{
    setup();
    static struct recorder r[TASK_MAX];
    for (int i = 1; i < TASK_MAX; i++)
        CHECK(task_spawn("r", record_poll, &r[i]) > 0);
    CHECK_EQ(task_spawn("one-too-many", record_poll, &r[0]), -ENOSPC);
    CHECK_EQ(task_spawn("null", NULL, NULL), -EINVAL);
}

struct sleeper {
    struct async async;
    struct sleep sleep;
    uint64_t ticks, woke_at;
    char tag;
};

static enum poll sleeper_poll(struct task *task)
{
    struct sleeper *s = task->data;
    ASYNC_BEGIN(&s->async);
    sleep_start(&s->sleep, s->ticks);
    AWAIT(&s->async, sleep_poll(&s->sleep));
    s->woke_at = timer_now();
    order[order_len++] = s->tag;
    ASYNC_END(&s->async);
}

static void tick(void)                    /* the timer interrupt, as the PIT delivers it */
{
    fake_ticks++;
    timer_expire(fake_ticks);
}

TEST(sleepers_wake_in_deadline_order_at_their_tick)
{
    setup();
    static struct sleeper s[4] = {
        { .ticks = 30, .tag = '3' }, { .ticks = 10, .tag = '1' },
        { .ticks = 20, .tag = '2' }, { .ticks = 10, .tag = 'x' },   /* same deadline */
    };
    for (int i = 0; i < 4; i++)
        task_spawn("sleeper", sleeper_poll, &s[i]);
    fake_interrupt = tick;
    for (int guard = 0; guard < 100 && order_len < 4; guard++) {
        run_ready();
        executor_idle();                  /* nothing ready: halt until the next tick */
    }
    CHECK_STR(order, "1x23");
    CHECK_EQ(s[1].woke_at, 10);
    CHECK_EQ(s[2].woke_at, 20);
    CHECK_EQ(s[0].woke_at, 30);
    CHECK(fake_idles >= 30);
}

TEST(a_cancelled_sleep_wakes_nobody)
{
    setup();
    static struct sleeper s = { .ticks = 5, .tag = 's' };
    task_spawn("s", sleeper_poll, &s);
    run_ready();
    sleep_cancel(&s.sleep);
    for (int i = 0; i < 10; i++)
        tick();
    CHECK(!executor_poll_one());
}

TEST(idle_halts_only_when_nothing_is_ready_and_says_so)
{
    setup();
    static struct recorder a = { .tag = 'a' };
    task_spawn("a", record_poll, &a);
    fake_trace_reset();
    executor_idle();                      /* a task is ready: no halt */
    CHECK_EQ(fake_idles, 0);
    run_ready();
    executor_idle();
    CHECK_EQ(fake_idles, 1);
    CHECK_EQ(fake_irq_depth, 0);          /* interrupts back on */
    char ev[8][32];
    size_t n = fake_trace_events(ev, 8);
    CHECK_STR(ev[n - 1], "idle");
}

struct key_reader {
    struct async async;
    struct key_event key;
    struct key_event got[8];
    unsigned count;
};

static enum poll key_reader_poll(struct task *task)
{
    struct key_reader *r = task->data;
    ASYNC_BEGIN(&r->async);
    while (r->count < 8) {
        AWAIT(&r->async, keyboard_read_key(&r->key));
        r->got[r->count++] = r->key;
    }
    ASYNC_END(&r->async);
}

static uint8_t leds_seen = 0xff;
static void set_leds(uint8_t leds)
{
    leds_seen = leds;
}

TEST(scancodes_from_an_interrupt_reach_the_reader_as_keys)
{
    setup();
    int kbd = keyboard_init(set_leds);
    static struct key_reader r;
    task_spawn("reader", key_reader_poll, &r);
    run_ready();
    fake_trace_reset();
    keyboard_input(0x1e, TRACE_WAKER_IRQ(33));    /* IRQ 1: 'a' pressed */
    run_ready();
    CHECK_EQ(r.count, 1);
    CHECK_EQ(r.got[0].key, KEY_A);
    CHECK_EQ(r.got[0].ascii, 'a');
    char ev[16][32];
    size_t n = fake_trace_events(ev, 16);
    CHECK_EQ(n, 7);
    char expect[32];
    snprintf(expect, sizeof(expect), "wake %d", kbd);
    CHECK_STR(ev[0], expect);                     /* the IRQ woke the keyboard task */
    snprintf(expect, sizeof(expect), "poll_begin %d", kbd);
    CHECK_STR(ev[1], expect);
    CHECK_STR(ev[2], "key 30");                   /* decoded there, not in the IRQ */
    const uint8_t caps[] = { 0x3a, 0xba, 0x1e, 0x9e, 0xfa };   /* Caps Lock, A, an ACK */
    keyboard_inject(caps, sizeof(caps));
    run_ready();
    CHECK_EQ(r.count, 5);
    CHECK_EQ(r.got[3].ascii, 'A');
    CHECK_EQ(leds_seen, 4);                       /* the Caps Lock LED */
    struct keyboard_stats stats;
    keyboard_get_stats(&stats);
    CHECK_EQ(stats.refused, 1);                   /* the ACK */
}

TEST(a_full_scancode_queue_counts_drops)
{
    setup();
    keyboard_init(NULL);
    for (int i = 0; i < KEYBOARD_SCANCODE_QUEUE + 5; i++)
        keyboard_input(0x1e, TRACE_WAKER_IRQ(33));
    struct keyboard_stats stats;
    keyboard_get_stats(&stats);
    CHECK_EQ(stats.queue_drops, 5);
    run_ready();
    keyboard_get_stats(&stats);
    CHECK_EQ(stats.keys, KEYBOARD_SCANCODE_QUEUE);
}

/* Regression (review): keys held across `busy` left Shift stuck. The keyboard task was
 * starved, the scancode queue filled, Shift's release was one of the bytes dropped, and
 * every key after read as shifted. Where bytes were lost the task now releases every
 * held key: a still-held one reads as up (the safe side), a released one never as down. */
TEST(a_shift_release_lost_to_a_full_scancode_queue_does_not_stick)
{
    setup();
    keyboard_init(NULL);
    keyboard_input(0x2a, TRACE_WAKER_IRQ(33));            /* Shift down */
    for (int i = 1; i < KEYBOARD_SCANCODE_QUEUE - 1; i++)
        keyboard_input(i % 2 ? 0x1e : 0x9e, TRACE_WAKER_IRQ(33));   /* A, pressed, up */
    keyboard_input(0x30, TRACE_WAKER_IRQ(33));            /* B down: the queue is full */
    keyboard_input(0xb0, TRACE_WAKER_IRQ(33));            /* dropped: B up */
    keyboard_input(0xaa, TRACE_WAKER_IRQ(33));            /* dropped: Shift up */
    struct keyboard_stats stats;
    keyboard_get_stats(&stats);
    CHECK_EQ(stats.queue_drops, 2);
    run_ready();
    struct key_event key;
    for (int i = 0; i < KEYBOARD_SCANCODE_QUEUE; i++) {   /* every queued byte, shifted */
        CHECK(keyboard_read_key(&key));
        CHECK(key.modifiers & KEYMOD_SHIFT);
    }
    CHECK(key.key == KEY_B && key.ascii == 'B');
    const uint8_t later[] = { 0x30, 0xb0 };               /* B typed after the loss */
    keyboard_inject(later, sizeof(later));
    run_ready();
    CHECK(keyboard_read_key(&key));
    CHECK(key.key == KEY_B && key.pressed);
    CHECK_EQ(key.ascii, 'b');
    CHECK_EQ(key.modifiers & KEYMOD_SHIFT, 0);
}

/* Make codes of the letters along the rows, Q to M (keymap.def). */
static const uint8_t letter_codes[] = {
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1e, 0x1f, 0x20,
    0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32,
};

/* Type `count` letters, each pressed and released, the keyboard task decoding each byte
 * as it comes (it runs; the reader does not). */
static void type_letters(unsigned first, unsigned count)
{
    for (unsigned i = first; i < first + count; i++) {
        uint8_t make = letter_codes[i % sizeof(letter_codes)];
        const uint8_t press_release[] = { make, (uint8_t)(make | 0x80) };
        keyboard_inject(press_release, sizeof(press_release));
        run_ready();
    }
}

/* Regression (review): typing while the shell was not reading (`sleep 5000`) ran another
 * command. A full key queue dropped its OLDEST keys, so the typed line lost its start,
 * and `echo hello panic at the disco is a song ok` ran `panic at the disco...`. Now the
 * newest keys are refused: counted, traced, and said once on the console. */
TEST(a_line_typed_while_nobody_reads_loses_its_end_not_its_start)
{
    enum { KEPT = KEYBOARD_KEY_QUEUE / 2, LOST = 8 };         /* letters: 2 keys each */
    static char ev[1024][32];
    setup();
    host_console_reset();
    keyboard_init(NULL);
    type_letters(0, KEPT + LOST);
    struct keyboard_stats stats;
    keyboard_get_stats(&stats);
    CHECK_EQ(stats.keys, 2 * (KEPT + LOST));
    CHECK_EQ(stats.key_drops, 2 * LOST);
    CHECK_EQ(stats.queue_drops, 0);
    CHECK_STR(host_console_text, "(keyboard: key queue full: keys dropped)\n");

    size_t n = fake_trace_events(ev, 1024), drops = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned scancode_and_reason;
        if (sscanf(ev[i], "key_drop %u", &scancode_and_reason) != 1)
            continue;
        unsigned letter = KEPT + (unsigned)drops / 2, byte = letter_codes[letter % 26];
        CHECK_EQ(scancode_and_reason, (SCANCODE_KEY_QUEUE_FULL << 8) | byte | (drops % 2) << 7);
        drops++;
    }
    CHECK_EQ(drops, 2 * LOST);

    struct key_event key;                                     /* the start, in order */
    for (unsigned i = 0; i < 2 * KEPT; i++) {
        CHECK(keyboard_read_key(&key));
        CHECK_EQ(key.key, letter_codes[(i / 2) % 26]);
        CHECK_EQ(key.pressed, i % 2 == 0);
    }
    CHECK(!keyboard_read_key(&key));

    type_letters(0, 1);                                       /* room again: taken */
    CHECK(keyboard_read_key(&key));
    CHECK(keyboard_read_key(&key));
    type_letters(0, KEPT + 1);                                /* a second run of drops */
    keyboard_get_stats(&stats);
    CHECK_EQ(stats.key_drops, 2 * LOST + 2);
    CHECK_STR(host_console_text, "(keyboard: key queue full: keys dropped)\n"
                                 "(keyboard: key queue full: keys dropped)\n");
    while (keyboard_read_key(&key))
        ;
}

static enum poll busy_for_two_ticks(struct task *task)
{
    (void)task;
    executor_tick();                      /* the timer interrupt lands twice mid-poll */
    executor_tick();
    return POLL_PENDING;
}

TEST(ticks_that_elapse_in_a_poll_are_charged_to_that_task)
{
    setup();
    int id = task_spawn("busy", busy_for_two_ticks, NULL);
    executor_tick();                      /* between polls: charged to nobody */
    run_ready();
    executor_tick();
    struct task_info info[2];
    CHECK_EQ(executor_tasks(info, 2), 1);
    CHECK_EQ(info[0].id, id);
    CHECK_EQ(info[0].poll_ticks, 2);
    CHECK_EQ(info[0].polls, 1);
}

/* The GDB stub's view (gdb_tasks.c): live tasks only, each waiting at its poll function
 * with its struct task as the argument, and the task being polled as the current one. */
static uint32_t seen_current;
static enum poll note_current(struct task *task)
{
    seen_current = executor_gdb_tasks.current();
    task->exit_code = 0;
    return POLL_READY;
}

TEST(the_debuggers_view_lists_live_tasks_and_where_they_wait)
{
    setup();
    static struct recorder a = { .tag = 'a' };
    int waiting = task_spawn("waiter", record_poll, &a);
    int done = task_spawn("quick", note_current, NULL);
    run_ready();
    CHECK_EQ(seen_current, done);
    CHECK_EQ(executor_gdb_tasks.current(), 0);   /* between polls: no task */
    CHECK_EQ(executor_gdb_tasks.next(0), waiting);   /* the finished one is left out */
    CHECK_EQ(executor_gdb_tasks.next((uint32_t)waiting), 0);
    struct gdbstub_task t;
    CHECK_EQ(executor_gdb_tasks.find((uint32_t)waiting, &t), 0);
    CHECK_EQ(t.id, waiting);
    CHECK_STR(t.name, "waiter");
    CHECK_STR(t.state, "waiting");
    CHECK_EQ(t.polls, 1);
    CHECK_EQ(t.resume, (uint64_t)(uintptr_t)record_poll);
    CHECK_EQ(t.argument, (uint64_t)(uintptr_t)task_find((uint16_t)waiting));
    CHECK_EQ(executor_gdb_tasks.find((uint32_t)done, &t), -ESRCH);
    CHECK_EQ(executor_gdb_tasks.find(0, &t), -ESRCH);
    CHECK_EQ(executor_gdb_tasks.find(0x10000u + (uint32_t)waiting, &t), -ESRCH);
}

/* GDB pages through the list after the last id it got (debug/gdbstub/threads.c), so the
 * view goes in id order: a reused slot's task, with its higher id, comes last. */
TEST(the_debuggers_view_goes_through_the_tasks_in_id_order_not_slot_order)
{
    setup();
    static struct recorder quick = { .tag = 'q', .finish = true }, r[TASK_MAX];
    CHECK_EQ(task_spawn("quick", record_poll, &quick), 1);
    for (int i = 2; i < TASK_MAX; i++)
        CHECK_EQ(task_spawn("r", record_poll, &r[i]), i);
    run_ready();                              /* quick is done, unjoined: slot 1 is reused */
    CHECK_EQ(task_spawn("late", record_poll, &r[0]), 1 + TASK_MAX);
    uint32_t id = 0, expected = 2;
    while ((id = executor_gdb_tasks.next(id)) != 0) {
        CHECK_EQ(id, expected);
        expected = expected == TASK_MAX - 1 ? 1 + TASK_MAX : expected + 1;
    }
    CHECK_EQ(expected, 2 + TASK_MAX);         /* every one, the last being `late` */
    CHECK_EQ(executor_gdb_tasks.next(1), 2);  /* after an id that is gone */
}
