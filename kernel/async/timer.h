/*
 * timer.h - sleeping: the sleep future and the timer queue behind it, and the uptime
 * service task. The timer interrupt calls timer_expire() each tick, which wakes exactly
 * the tasks whose deadlines have passed, in deadline order.
 */
#ifndef LOCKSTEP_ASYNC_TIMER_H
#define LOCKSTEP_ASYNC_TIMER_H

#include "async.h"

struct task;

struct sleep {
    uint64_t deadline;                 /* tick at which the sleep ends */
    struct sleep *next;                /* the timer queue: changed with IRQs off */
    uint16_t task;                     /* who to wake */
    bool armed;                        /* on the timer queue: IRQs off to change */
};

/* Ticks come from `clock` at `hz` per second; timer wakes are recorded as coming from
 * `waker` (the timer's IRQ vector). Call once at boot. Cannot fail. */
void timer_init(const volatile uint64_t *clock, uint32_t hz, uint16_t waker);

/* The current tick, and a duration in milliseconds as ticks (rounded up). */
uint64_t timer_now(void);
uint64_t timer_ms_to_ticks(uint64_t ms);
/* Milliseconds since boot, as whole ticks (10 ms steps at 100 Hz). */
uint64_t timer_now_ms(void);

/* Start a sleep of `ticks` ticks from now (0: ready at once). Cannot fail. */
void sleep_start(struct sleep *sleep, uint64_t ticks);
void sleep_start_ms(struct sleep *sleep, uint64_t ms);

/* Future: true once the deadline has passed; otherwise queues the current task to be
 * woken then and returns false. Task context. */
bool sleep_poll(struct sleep *sleep);

/* Take a sleep off the queue (a task that stops waiting early). Task context. */
void sleep_cancel(struct sleep *sleep);

/* The timer interrupt: charge the tick to the running task (executor_tick) and wake
 * every task whose deadline is <= now. IRQ context. */
void timer_expire(uint64_t now);

/* The uptime service: a task that wakes once a second and counts seconds, so that the
 * timeline always shows a periodic task. */
struct uptime_service {
    struct async async;
    struct sleep sleep;
    uint64_t seconds;
};
enum poll uptime_service_poll(struct task *task);

#endif
