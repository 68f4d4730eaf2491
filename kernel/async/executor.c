/*
 * executor.c - tasks, wakers and the run loop (executor.h).
 *
 * The ready queue is a ring of task ids with TASK_MAX entries:
 *
 *     ready_ids: [ id | id | id | . . . ]
 *                  ^ ready_head: the executor only     ^ ready_tail: wakers, fetch-add
 *
 * A waker claims a slot with an atomic fetch-add on ready_tail and then writes the id.
 * Wakers may nest (an IRQ wakes a task while a task is waking another); each writes its
 * own claimed slot. The executor, the only reader, never runs while a waker is half way:
 * IRQ wakers finish before the interrupted code resumes, and task wakers run inside the
 * poll the executor called. A task is queued at most once (its `queued` flag, set by
 * atomic exchange, coalesces wakes), and a slot is not reused while its flag is set, so
 * the ring never holds more than TASK_MAX entries.
 *
 * Idle: interrupts off, check the queue, record `idle`, then sti;hlt as one step (the
 * interrupt shadow of sti), so a wake that lands after the check still ends the halt.
 */
#include "executor.h"
#include "errno.h"
#include "machine.h"
#include "string.h"
#include "trace.h"

#define SLOT(id) ((id) & (TASK_MAX - 1))
_Static_assert((TASK_MAX & (TASK_MAX - 1)) == 0, "TASK_MAX must be a power of two");

static struct task tasks[TASK_MAX];        /* slot 0 unused: ids start at 1 */
static uint16_t ready_ids[TASK_MAX];
static uint32_t ready_head;                /* the executor only */
static uint32_t ready_tail;                /* wakers: atomic fetch-add */
static struct task *current;               /* the executor; read by the tick interrupt */
static const struct executor_points *points;   /* set before the run */

void executor_set_points(const struct executor_points *p)
{
    points = p;
}

void executor_init(void)
{
    memset(tasks, 0, sizeof(tasks));
    for (uint16_t slot = 0; slot < TASK_MAX; slot++)
        tasks[slot].id = (uint16_t)(slot - TASK_MAX);   /* the first spawn here: id = slot */
    ready_head = ready_tail = 0;
    current = NULL;
}

/* Copy a task name: at most TASK_NAME_MAX - 1 characters, the rest zero. */
static void copy_name(char dst[TASK_NAME_MAX], const char *src)
{
    memset(dst, 0, TASK_NAME_MAX);
    for (size_t i = 0; src && src[i] && i < TASK_NAME_MAX - 1; i++)
        dst[i] = src[i];
}

static void enqueue(uint16_t id)
{
    uint32_t slot = __atomic_fetch_add(&ready_tail, 1, __ATOMIC_RELAXED);
    ready_ids[slot & (TASK_MAX - 1)] = id;
}

int task_spawn(const char *name, task_poll_fn poll, void *data)
{
    if (!poll)
        return -EINVAL;
    struct task *t = NULL;
    for (unsigned slot = 1; slot < TASK_MAX && !t; slot++) {   /* a free slot first */
        if (tasks[slot].state == TASK_FREE && !READ_ONCE(tasks[slot].queued))
            t = &tasks[slot];
    }
    for (unsigned slot = 1; slot < TASK_MAX && !t; slot++) {   /* else an unjoined one */
        if (tasks[slot].state == TASK_DONE && !tasks[slot].joiner &&
            !READ_ONCE(tasks[slot].queued))
            t = &tasks[slot];
    }
    if (!t)
        return -ENOSPC;

    uint16_t id = (uint16_t)(t->id + TASK_MAX);   /* wraps after 1024 tasks per slot */
    t->state = TASK_FREE;                  /* stale wakes of the old id are ignored... */
    t->poll = poll;
    t->data = data;
    t->exit_code = 0;
    t->parent = current ? current->id : 0;
    t->joiner = 0;
    copy_name(t->name, name ? name : "?");
    t->polls = t->wakes = t->poll_ticks = 0;
    WRITE_ONCE(t->id, id);                 /* ...and so are wakes of the new one... */
    barrier();
    WRITE_ONCE(t->state, TASK_LIVE);       /* ...until now */
    struct trace_task_spawn event = { .task = id, .parent = t->parent };
    memcpy(event.name, t->name, sizeof(event.name));
    TRACE_STRUCT(task_spawn, &event);
    t->queued = 1;
    enqueue(id);
    return id;
}

void task_wake(uint16_t id, uint16_t waker)
{
    TRACE(wake, .task = id, .waker = waker);
    struct task *t = &tasks[(unsigned)id % TASK_MAX];
    OPTIMIZER_HIDE_VAR(t);                 /* one address for every field below */
    if (t->id != id || t->state != TASK_LIVE)
        return;                            /* finished or replaced: harmless */
    __atomic_fetch_add(&t->wakes, 1, __ATOMIC_RELAXED);
    if (__atomic_exchange_n(&t->queued, 1, __ATOMIC_RELAXED))
        return;                            /* already queued: coalesced */
    enqueue(id);
}

struct task *task_current(void)
{
    return current;
}

uint16_t task_current_id(void)
{
    return current ? current->id : 0;
}

void task_yield_now(void)
{
    if (current)
        task_wake(current->id, TRACE_WAKER_TASK(current->id));
}

static void finish(struct task *t)
{
    t->state = TASK_DONE;
    TRACE(task_exit, .task = t->id, .code = (uint32_t)t->exit_code);
    if (t->joiner)
        task_wake(t->joiner, TRACE_WAKER_TASK(t->id));
}

int task_join_poll(uint16_t id, int32_t *code)
{
    struct task *t = &tasks[SLOT(id)];
    if (id == 0 || t->id != id || t->state == TASK_FREE)
        return -ENOENT;
    uint16_t me = task_current_id();
    if (t->joiner && t->joiner != me)
        return -EBUSY;
    if (t->state == TASK_DONE) {
        if (code)
            *code = t->exit_code;
        t->joiner = 0;
        t->state = TASK_FREE;              /* joined: the slot may be reused */
        return 1;
    }
    t->joiner = me;
    return 0;
}

/* Inlined into executor_poll_one, its only caller: the wake+poll cycle has a budget of
 * 60 instructions (docs/executor.md), and a call frame here would cost 5 of them. */
static __always_inline void poll_task(struct task *t)
{
    t->polls++;
    current = t;
    TRACE(poll_begin, .task = t->id);
    enum poll result = t->poll(t);
    t = READ_ONCE(current);                /* reloaded: nothing is kept across the call */
    current = NULL;
    TRACE(poll_end, .task = t->id, .result = (uint8_t)result);
    if (result == POLL_READY)
        finish(t);
    if (points)
        points->after_poll();
}

void executor_tick(void)
{
    struct task *t = READ_ONCE(current);
    if (t)
        t->poll_ticks++;                   /* the tick elapsed while it was running */
}

bool executor_poll_one(void)
{
    uint32_t head = ready_head;
    if (head == READ_ONCE(ready_tail))
        return false;
    unsigned id = ready_ids[head % TASK_MAX];
    ready_head = head + 1;
    struct task *t = &tasks[id % TASK_MAX];
    OPTIMIZER_HIDE_VAR(t);                 /* one address for every field below */
    if (t->id == id) {                     /* else a stale entry */
        __atomic_store_n(&t->queued, 0, __ATOMIC_RELAXED);   /* wakes from now re-queue */
        if (t->state == TASK_LIVE)
            poll_task(t);
    }
    return true;
}

void executor_idle(void)
{
    uint64_t flags = async_machine_irq_save();
    if (ready_head == READ_ONCE(ready_tail)) {
        TRACE(idle);
        if (points)
            points->idle();
        else
            async_machine_idle();          /* sti; hlt: returns with interrupts on */
    }
    async_machine_irq_restore(flags);
}

void executor_run(void (*housekeeping)(void))
{
    for (;;) {
        unsigned polls = 0;
        while (executor_poll_one()) {
            if (++polls % EXECUTOR_HOUSEKEEPING_POLLS == 0 && housekeeping)
                housekeeping();
        }
        if (housekeeping)
            housekeeping();
        executor_idle();
    }
}

const struct task *task_find(uint16_t id)
{
    const struct task *t = &tasks[(unsigned)id % TASK_MAX];
    return id && t->id == id && t->state != TASK_FREE ? t : NULL;
}

enum task_state task_state_of(const struct task *t)
{
    if (t->state != TASK_LIVE)
        return (enum task_state)t->state;
    if (t == current)
        return TASK_RUNNING;
    return READ_ONCE(t->queued) ? TASK_READY : TASK_WAITING;
}

const char *task_state_name(uint8_t state)
{
    switch (state) {
    case TASK_FREE:    return "free";
    case TASK_LIVE:    return "live";
    case TASK_DONE:    return "done";
    case TASK_READY:   return "ready";
    case TASK_WAITING: return "waiting";
    case TASK_RUNNING: return "running";
    default:           return "?";
    }
}

size_t executor_tasks(struct task_info *out, size_t max)
{
    size_t n = 0;
    for (unsigned slot = 1; slot < TASK_MAX && n < max; slot++) {
        const struct task *t = &tasks[slot];
        if (t->state == TASK_FREE)
            continue;
        out[n] = (struct task_info){
            .id = t->id, .parent = t->parent, .state = (uint8_t)task_state_of(t),
            .polls = t->polls, .wakes = t->wakes, .poll_ticks = t->poll_ticks,
        };
        copy_name(out[n].name, t->name);
        n++;
    }
    return n;
}
