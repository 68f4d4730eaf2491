/*
 * timer.c - the timer queue (timer.h): a singly linked list of armed sleeps sorted by
 * deadline, earliest first. Tasks insert and remove with interrupts off (a few pointer
 * moves); the timer interrupt pops expired sleeps from the front. Inserting is O(n) in
 * the number of sleeping tasks (at most TASK_MAX); expiry is O(expired).
 */
#include "timer.h"
#include "executor.h"
#include "machine.h"

static struct sleep *queue;                /* sorted by deadline; IRQs off to change */
static const volatile uint64_t *clock;
static uint32_t ticks_per_second;
static uint16_t timer_waker;

void timer_init(const volatile uint64_t *tick_counter, uint32_t hz, uint16_t waker)
{
    queue = NULL;
    clock = tick_counter;
    ticks_per_second = hz;
    timer_waker = waker;
}

uint64_t timer_now(void)
{
    return *clock;
}

uint64_t timer_now_ms(void)
{
    return *clock * 1000 / ticks_per_second;
}

uint64_t timer_ms_to_ticks(uint64_t ms)
{
    return (ms * ticks_per_second + 999) / 1000;
}

void sleep_start(struct sleep *s, uint64_t ticks)
{
    sleep_cancel(s);
    s->deadline = *clock + ticks;
}

void sleep_start_ms(struct sleep *s, uint64_t ms)
{
    sleep_start(s, timer_ms_to_ticks(ms));
}

static void unlink_sleep(struct sleep *s)
{
    for (struct sleep **p = &queue; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    s->armed = false;
}

void sleep_cancel(struct sleep *s)
{
    uint64_t flags = async_machine_irq_save();
    if (s->armed)
        unlink_sleep(s);
    async_machine_irq_restore(flags);
}

bool sleep_poll(struct sleep *s)
{
    uint64_t flags = async_machine_irq_save();
    bool done = *clock >= s->deadline;
    if (done && s->armed) {
        unlink_sleep(s);
    } else if (!done && !s->armed && task_current_id()) {
        s->task = task_current_id();
        struct sleep **p = &queue;
        while (*p && (*p)->deadline <= s->deadline)   /* equal deadlines: first come first */
            p = &(*p)->next;
        s->next = *p;
        *p = s;
        s->armed = true;
    }
    async_machine_irq_restore(flags);
    return done;
}

void timer_expire(uint64_t now)
{
    executor_tick();
    while (queue && queue->deadline <= now) {
        struct sleep *s = queue;
        queue = s->next;
        s->armed = false;
        task_wake(s->task, timer_waker);
    }
}

enum poll uptime_service_poll(struct task *task)
{
    struct uptime_service *u = task->data;
    ASYNC_BEGIN(&u->async);
    for (;;) {
        sleep_start(&u->sleep, ticks_per_second);
        AWAIT(&u->async, sleep_poll(&u->sleep));
        u->seconds++;
    }
    ASYNC_END(&u->async);
}


