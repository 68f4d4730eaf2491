/*
 * executor.h - the kernel's cooperative scheduler: tasks, wakers and the run loop.
 *
 * A task is a poll function and a state struct (async.h). The executor polls ready tasks
 * in the order they were woken (FIFO); when none is ready it records `idle` and halts
 * until an interrupt wakes one. Every wake and every poll is traced.
 *
 * Task ids are never reused while a stale waker could still name them: a task lives in
 * slot id % TASK_MAX (slot 0 is never used, so ids start at 1), and each new task in a
 * slot gets id + TASK_MAX. Waking an id whose task has finished or been replaced does
 * nothing (and is still traced).
 */
#ifndef LOCKSTEP_ASYNC_EXECUTOR_H
#define LOCKSTEP_ASYNC_EXECUTOR_H

#include "async.h"

#define TASK_MAX       64              /* a power of two */
#define TASK_NAME_MAX  16

/* A slot's life: FREE -> LIVE (spawned) -> DONE (poll returned ready) -> FREE (joined,
 * or reused by a spawn). Whether a live task is ready, waiting or running is not stored:
 * task_state_of() derives it from the queued flag and the current task. */
enum task_state {
    TASK_FREE,
    TASK_LIVE,
    TASK_DONE,
    TASK_READY,                        /* derived: live and on the ready queue */
    TASK_WAITING,                      /* derived: live, waiting for a wake */
    TASK_RUNNING,                      /* derived: live, being polled */
};

struct task;
typedef enum poll (*task_poll_fn)(struct task *task);

/* One cache line per task; the fields a wake and a poll touch come first. */
struct task {
    uint16_t id;                       /* 0: never used; written by spawn */
    uint8_t state;                     /* FREE, LIVE or DONE; task context only */
    uint32_t queued;                   /* 1 while on the ready queue: wakers set it with
                                          an atomic exchange, the executor clears it */
    task_poll_fn poll;
    void *data;                        /* the task's own state */
    uint32_t polls;                    /* the executor only */
    uint32_t wakes;                    /* wakers, atomic add */
    uint32_t poll_ticks;               /* ticks that elapsed inside its polls: the timer
                                          interrupt only (executor_tick) */
    int32_t exit_code;                 /* set by the task before it returns POLL_READY */
    uint16_t parent;                   /* who spawned it (0: the kernel) */
    uint16_t joiner;                   /* a task waiting in task_join_poll, or 0 */
    char name[TASK_NAME_MAX];
} __aligned(64);
ASSERT_SIZE(struct task, 64);

/* Start with no tasks. Call once, before any spawn or wake. Cannot fail. */
void executor_init(void);

/* The timer interrupt, once per tick: charge the tick to the task being polled (Unix
 * style accounting: poll_ticks counts the ticks that elapsed inside its polls).
 * IRQ context. */
void executor_tick(void);

/* Create a task and make it ready. `name` is copied (truncated to 15 characters).
 * Returns its id (> 0), -EINVAL for a NULL poll function, or -ENOSPC when all TASK_MAX
 * slots hold live or unjoined tasks. Task context. */
int task_spawn(const char *name, task_poll_fn poll, void *data);

/* Make task `id` ready, recording who woke it (TRACE_WAKER_IRQ(vector),
 * TRACE_WAKER_TASK(id) or TRACE_WAKER_KERNEL). A task already on the ready queue is not
 * queued twice; a finished or unknown id is ignored. IRQ-safe, lock-free, never
 * allocates. */
void task_wake(uint16_t id, uint16_t waker);

/* The task being polled (NULL outside a poll), and its id (0 outside a poll). */
struct task *task_current(void);
uint16_t task_current_id(void);

/* Wake the current task (from its own poll): it will be polled again after the tasks
 * already ready. */
void task_yield_now(void);

/* Future: has task `id` finished? Returns 1 and its exit code in *code, 0 if it is
 * still running (the current task will be woken when it finishes), -ENOENT if there is
 * no such task (never spawned, or already joined), or -EBUSY if another task is already
 * joining it. Joining releases the finished task's slot. Task context. */
int task_join_poll(uint16_t id, int32_t *code);

/* Poll the next ready task, if any. Returns false when none was ready. Task context
 * (the executor's own): the tests drive it directly; executor_run loops on it. */
bool executor_poll_one(void);

/* Run tasks forever, halting when none is ready. `housekeeping` (may be NULL) runs every
 * EXECUTOR_HOUSEKEEPING_POLLS polls and before each halt, with interrupts on: the kernel
 * drains the trace there. Never returns. */
#define EXECUTOR_HOUSEKEEPING_POLLS 64
__noreturn void executor_run(void (*housekeeping)(void));

/* One iteration of the idle step: with interrupts off, if no task is ready, record
 * `idle` and halt until an interrupt. Exposed for tests. */
void executor_idle(void);

/* Where interrupts may arrive, for record and replay (kernel/async/replay.c):
 *   after_poll  runs after every poll, right after its poll_end (and task_exit) record;
 *   idle        replaces the halt, right after the idle record, with interrupts off.
 * These are the "boundaries": a recording names each input's position by counting them.
 * NULL (the default): interrupts arrive anywhere and idle halts. Set before the run. */
struct executor_points {
    void (*after_poll)(void);
    void (*idle)(void);
};
void executor_set_points(const struct executor_points *points);

/* A copy of a task's bookkeeping, for the shell's `tasks` command. */
struct task_info {
    uint16_t id, parent;
    uint8_t state;
    char name[TASK_NAME_MAX];
    uint32_t polls, wakes, poll_ticks;
};

/* Copy up to `max` live (non-free) tasks into `out`; returns how many. */
size_t executor_tasks(struct task_info *out, size_t max);

/* The live (or finished, unjoined) task with this id, or NULL. For the debugger. */
const struct task *task_find(uint16_t id);

/* What a task is doing now: FREE, DONE, READY, WAITING or RUNNING. */
enum task_state task_state_of(const struct task *task);

/* "free", "ready", "waiting", "running", "done". */
const char *task_state_name(uint8_t state);

#endif
