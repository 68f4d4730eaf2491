/*
 * test_async.c - the executor on real interrupts: sleepers with different deadlines wake
 * in order at exactly their tick (the PIT interrupt runs the timer queue), and scancodes
 * injected through the keyboard path come out of the keyboard task as the right keys.
 * Each test drives the executor itself until its tasks are done.
 */
#include "executor.h"
#include "keyboard.h"
#include "ktest.h"
#include "pit.h"
#include "timer.h"

struct sleeper {
    struct async async;
    struct sleep sleep;
    uint64_t ticks, started, woke;
    int rank;
};

static int finished;

static enum poll sleeper_poll(struct task *task)
{
    struct sleeper *s = task->data;
    ASYNC_BEGIN(&s->async);
    s->started = timer_now();
    sleep_start(&s->sleep, s->ticks);
    AWAIT(&s->async, sleep_poll(&s->sleep));
    s->woke = timer_now();
    s->rank = ++finished;
    ASYNC_END(&s->async);
}

/* Run tasks and halt between interrupts until `done()` or `limit` ticks pass. */
static void run_until(bool (*done)(void), uint64_t limit)
{
    uint64_t deadline = pit_ticks() + limit;
    while (!done() && pit_ticks() < deadline) {
        while (executor_poll_one())
            ;
        executor_idle();
    }
}

static bool three_finished(void)
{
    return finished == 3;
}

KTEST(sleepers_wake_in_order_at_their_tick)
{
    static struct sleeper s[3] = { { .ticks = 25 }, { .ticks = 5 }, { .ticks = 15 } };
    int ids[3];
    finished = 0;
    for (int i = 0; i < 3; i++) {
        s[i] = (struct sleeper){ .ticks = s[i].ticks };
        ids[i] = task_spawn("sleeper", sleeper_poll, &s[i]);
        KCHECK(ids[i] > 0);
    }
    run_until(three_finished, 100);
    KCHECK_EQ(finished, 3);
    KCHECK_EQ(s[1].rank, 1);
    KCHECK_EQ(s[2].rank, 2);
    KCHECK_EQ(s[0].rank, 3);
    for (int i = 0; i < 3; i++) {
        KCHECK_EQ(s[i].woke - s[i].started, s[i].ticks);   /* exactly at the deadline */
        KCHECK_EQ(task_join_poll((uint16_t)ids[i], NULL), 1);
    }
}

struct key_reader {
    struct async async;
    struct key_event key, got[4];
    unsigned count;
};

static struct key_reader reader;

static enum poll key_reader_poll(struct task *task)
{
    struct key_reader *r = task->data;
    ASYNC_BEGIN(&r->async);
    while (r->count < 4) {
        AWAIT(&r->async, keyboard_read_key(&r->key));
        r->got[r->count++] = r->key;
    }
    ASYNC_END(&r->async);
}

static bool four_keys(void)
{
    return reader.count == 4;
}

KTEST(injected_scancodes_arrive_as_keys)
{
    reader = (struct key_reader){ 0 };
    int id = task_spawn("reader", key_reader_poll, &reader);
    KCHECK(id > 0);
    const uint8_t codes[] = { 0x2a, 0x1e, 0x9e, 0xaa, 0xe0, 0x48, 0xe0, 0xc8 };  /* Shift+A, Up */
    keyboard_inject(codes, sizeof(codes));
    run_until(four_keys, 50);
    KCHECK_EQ(reader.count, 4);
    KCHECK_EQ(reader.got[0].key, KEY_Shift);
    KCHECK_EQ(reader.got[1].key, KEY_A);
    KCHECK_EQ(reader.got[1].ascii, 'A');
    KCHECK(reader.got[1].pressed);
    KCHECK_EQ(reader.got[2].key, KEY_A);
    KCHECK(!reader.got[2].pressed);
    KCHECK_EQ(reader.got[3].key, KEY_Shift);
    run_until(four_keys, 1);
    KCHECK_EQ(task_join_poll((uint16_t)id, NULL), 1);
    /* The Up arrow is still queued for the next reader: take it. */
    struct key_event left;
    KCHECK(keyboard_read_key(&left));
    KCHECK_EQ(left.key, KEY_Up);
}
