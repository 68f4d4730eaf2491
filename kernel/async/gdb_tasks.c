/*
 * gdb_tasks.c - the executor's tasks as GDB threads (struct gdbstub_tasks, gdbstub.h).
 * A task between polls has no stack of its own (it is a state machine), so where it
 * waits is the call the executor makes next: its poll function, with its struct task as
 * the argument. Finished tasks are left out: GDB lists threads that can still run.
 * Called by the stub while the kernel is stopped (IRQs off); reads, never changes.
 */
#include "gdb_tasks.h"
#include "errno.h"
#include "executor.h"
#include "string.h"

/* In id order, not slot order (a reused slot has a higher id): GDB pages through the
 * list after the last id it got. */
static uint32_t next(uint32_t after)
{
    static struct task_info info[TASK_MAX];
    size_t count = executor_tasks(info, TASK_MAX);
    uint32_t lowest = 0;
    for (size_t i = 0; i < count; i++) {
        if (info[i].state != TASK_DONE && info[i].id > after &&
            (lowest == 0 || info[i].id < lowest))
            lowest = info[i].id;
    }
    return lowest;
}

static int find(uint32_t id, struct gdbstub_task *out)
{
    const struct task *t = id <= 0xffff ? task_find((uint16_t)id) : NULL;
    if (!t || task_state_of(t) == TASK_DONE)
        return -ESRCH;
    STATIC_ASSERT(sizeof(out->name) >= TASK_NAME_MAX, "a task name fits");
    *out = (struct gdbstub_task){
        .id = t->id,
        .state = task_state_name((uint8_t)task_state_of(t)),
        .polls = t->polls,
        .resume = (uint64_t)(uintptr_t)t->poll,
        .argument = (uint64_t)(uintptr_t)t,
    };
    memcpy(out->name, t->name, TASK_NAME_MAX);
    return 0;
}

static uint32_t current(void)
{
    return task_current_id();
}

const struct gdbstub_tasks executor_gdb_tasks = {
    .next = next, .find = find, .current = current,
};
