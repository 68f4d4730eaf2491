/*
 * test_frame_exhaustion.c - the kernel with no free physical frame left: pmm_alloc_frame
 * returns 0, and whatever needs a frame fails cleanly with it (kmalloc returns NULL, a
 * program spawn returns -ENOMEM with its reason printed) while tasks still run and the
 * timer still ticks; once the frames are given back, the totals are as before. Then a
 * program is spawned with every shortage from no frame at all up to just enough, and
 * each failed spawn must give back every frame it took on the way.
 * The frames taken are chained through their own first word (phys_to_virt), so taking
 * them all needs no memory of its own.
 */
#include "cpu.h"
#include "errno.h"
#include "executor.h"
#include "frame.h"
#include "heap.h"
#include "ktest.h"
#include "layout.h"
#include "pit.h"
#include "process.h"
#include "string.h"

#define SHORTAGE_MAX 256              /* frames: far more than `hello` needs */

static uint64_t taken;                /* physical address of the last frame taken, or 0 */
static char report[2048];

static uint64_t free_frames(void)
{
    struct pmm_stats s;
    pmm_stats(&s);
    return s.free_frames;
}

/* Take every free frame; returns how many. */
static uint64_t take_all_frames(void)
{
    uint64_t count = 0, frame;
    while ((frame = pmm_alloc_frame()) != 0) {
        *(volatile uint64_t *)phys_to_virt(frame) = taken;
        taken = frame;
        count++;
    }
    return count;
}

/* Give back up to `count` of the frames taken (all of them: UINT64_MAX). */
static void give_back(uint64_t count)
{
    while (taken && count--) {
        uint64_t next = *(volatile uint64_t *)phys_to_virt(taken);
        if (pmm_free_frame(taken) != 0)
            ktest_fail(__FILE__, __LINE__, "frame %lx was not ours to give back", taken);
        taken = next;
    }
}

static volatile bool task_ran;

static enum poll one_poll(struct task *task)
{
    (void)task;
    task_ran = true;
    return POLL_READY;
}

static int spawn_hello(void)
{
    char *argv[] = { "hello", NULL };
    return process_spawn(1, argv);
}

/* Everything is tried while no frame is free, and checked only once the frames are back:
 * a failed check must not leave the rest of the suite without memory. */
KTEST(frame_exhaustion_fails_cleanly_and_every_frame_comes_back)
{
    struct heap_stats heap_before, heap_after;
    KCHECK_EQ(ktest_run_to_exit(spawn_hello(), 100), 0);   /* warms up the heap and the tables */
    kmalloc_trim();
    uint64_t before = free_frames();

    uint64_t count = take_all_frames();
    uint64_t left = free_frames(), frame = pmm_alloc_frame(), run = pmm_alloc_run(1);
    kmalloc_stats(&heap_before);
    void *big = kmalloc(1 << 20);                /* a fresh megabyte needs frames */
    kmalloc_stats(&heap_after);
    ktest_capture_begin(report, sizeof(report));
    int pid = spawn_hello();
    ktest_capture_end();
    task_ran = false;                            /* tasks take no frames: they still run */
    int id = task_spawn("starved", one_poll, NULL);
    int32_t code = id > 0 ? ktest_run_to_exit(id, 10) : -1;
    bool ticks = ktest_timer_still_ticks();            /* and interrupts still come */
    uint64_t still = free_frames();
    give_back(UINT64_MAX);

    KCHECK(before > 1000);
    KCHECK_EQ(count, before);
    KCHECK_EQ(left, 0);
    KCHECK_EQ(frame, 0);
    KCHECK_EQ(run, 0);
    KCHECK(big == NULL);
    KCHECK_EQ(heap_after.failures, heap_before.failures + 1);
    KCHECK_EQ(heap_after.used, heap_before.used);
    KCHECK_EQ(pid, -ENOMEM);
    KCHECK(strstr(report, "hello: out of memory") || strstr(report, "hello: no kernel stack"));
    KCHECK(id > 0 && code == 0 && task_ran);
    KCHECK(ticks);
    KCHECK_EQ(still, 0);

    kmalloc_trim();
    KCHECK_EQ(free_frames(), before);
    void *again = kmalloc(1 << 20);
    KCHECK(again != NULL);
    kfree(again);
    KCHECK_EQ(ktest_run_to_exit(spawn_hello(), 100), 0);
    kmalloc_trim();
    KCHECK_EQ(free_frames(), before);
}

KTEST(spawn_with_every_frame_shortage_leaks_no_frame)
{
    KCHECK_EQ(ktest_run_to_exit(spawn_hello(), 100), 0);   /* warms up the heap and the tables */
    kmalloc_trim();
    uint64_t before = free_frames();
    uint64_t enough = 0;
    for (uint64_t left = 0; left <= SHORTAGE_MAX && !enough; left++) {
        take_all_frames();
        give_back(left);
        ktest_capture_begin(report, sizeof(report));
        int pid = spawn_hello();
        ktest_capture_end();
        uint64_t after = 0;
        if (pid < 0) {
            kmalloc_trim();
            after = free_frames();               /* all `left` again, if nothing leaked */
        }
        give_back(UINT64_MAX);
        if (pid > 0) {
            enough = left;
            KCHECK_EQ(ktest_run_to_exit(pid, 100), 0);
        } else if (pid != -ENOMEM || after != left) {
            ktest_fail(__FILE__, __LINE__, "spawn with %lu frames free returned %d, and "
                       "then %lu were free", left, pid, after);
        }
    }
    KCHECK(enough > 16);                         /* a stack of 16 pages, at least */
    kmalloc_trim();
    KCHECK_EQ(free_frames(), before);
}
