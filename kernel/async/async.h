/*
 * async.h - how a Lockstep task is written. A task is a poll function over a state
 * struct that it owns; the executor calls poll whenever the task has been woken, and
 * poll returns POLL_READY when the task is finished or POLL_PENDING when it must wait.
 * A task waits by polling a future (sleep_poll, keyboard_read_key, task_join_poll...):
 * a future that is not ready registers the current task to be woken, and says so.
 *
 * The macros below let a poll function read as straight-line code, in the style of
 * protothreads: ASYNC_BEGIN/ASYNC_END bracket the body, and AWAIT(state, future)
 * returns POLL_PENDING until the future is ready, resuming at that line next time.
 * Locals do not survive an AWAIT: keep everything in the state struct. No switch
 * statement of your own may span an AWAIT.
 *
 *     struct blink { struct async async; struct sleep sleep; int count; };
 *     static enum poll blink_poll(struct task *task)
 *     {
 *         struct blink *b = task->data;
 *         ASYNC_BEGIN(&b->async);
 *         for (b->count = 0; b->count < 3; b->count++) {
 *             sleep_start(&b->sleep, 10);
 *             AWAIT(&b->async, sleep_poll(&b->sleep));
 *         }
 *         ASYNC_END(&b->async);
 *     }
 */
#ifndef LOCKSTEP_ASYNC_H
#define LOCKSTEP_ASYNC_H

#include "compiler.h"

enum poll {
    POLL_PENDING = 0,
    POLL_READY = 1,
};

/* Where a poll function resumes: 0 at the start, otherwise the line of its last AWAIT. */
struct async {
    uint32_t resume;
};

#define ASYNC_BEGIN(a)   switch ((a)->resume) { case 0:
#define AWAIT(a, ready)                                                               \
    do {                                                                              \
        (a)->resume = __LINE__;                                                       \
        __attribute__((fallthrough));                                                 \
        case __LINE__:                                                                \
        if (!(ready))                                                                 \
            return POLL_PENDING;                                                      \
    } while (0)
/* Give other ready tasks a turn: wake ourselves and return pending once. */
#define ASYNC_YIELD(a)                                                                \
    do {                                                                              \
        (a)->resume = __LINE__;                                                       \
        task_yield_now();                                                             \
        return POLL_PENDING;                                                          \
        case __LINE__:;                                                               \
    } while (0)
#define ASYNC_END(a)     } (a)->resume = 0; return POLL_READY

#endif
