/*
 * process.h - user programs as executor tasks. A process is a program from the initrd
 * running in ring 3 in its own address space (uspace.h); its task's poll runs it until
 * its next trap (user.h) and handles that trap:
 *
 *   syscall     start it (kernel/syscall/syscall.c); if it completes, yield; if it
 *               blocks (read from the console, sleep), the task waits for its wake
 *   interrupt   in ring 3 (live mode only): yield, so that whoever the IRQ woke runs
 *   exception   print "[pid N] killed: ..." and end the task; the kernel goes on
 *
 * So a poll runs a program up to one syscall at most, and every syscall is a poll
 * boundary, where record and replay place inputs (docs/replay.md). An interrupt inside
 * a ring-3 run ends that run: record mode logs it as arriving in that poll, and replay
 * (where ring 3 runs with interrupts off) injects it where the run would start instead
 * of running it. The trace cannot tell the difference, since nothing a program does
 * between two syscalls is traced, and the program cannot either: user_init sets
 * CR4.TSD, so ring 3 has no clock but uptime() (rdtsc faults).
 * Task context throughout: nothing here is called from an interrupt.
 */
#ifndef LOCKSTEP_PROC_PROCESS_H
#define LOCKSTEP_PROC_PROCESS_H

#include "executor.h"
#include "initrd.h"
#include "syscall.h"
#include "timer.h"
#include "trap.h"
#include "user.h"
#include "uspace.h"

#define PROCESS_FILES      8           /* fds 0-2 are the console; 3.. initrd files */
#define PROCESS_EXIT_KILLED (-1)       /* a killed program's exit code (exit(-1) too) */

struct process_file {
    const uint8_t *data;               /* NULL: the slot is free */
    size_t size, offset;
};

struct process {
    struct trap_frame *frame;          /* its registers, at the top of kernel_stack */
    struct user_segments segments;     /* its data selectors (user.h); zero at spawn */
    uint64_t kernel_stack;             /* the top of its kernel stack (vmm_stack_alloc) */
    struct uspace space;
    uint16_t pid;                      /* its task's id */
    char name[TASK_NAME_MAX];
    struct syscall_call call;          /* the syscall in progress, when in_syscall */
    bool in_syscall;
    bool exited;                       /* exit() was called: exit_code is set */
    int32_t exit_code;
    const char *kill_reason;           /* non-NULL: kill it at its next poll */
    struct sleep sleep;                /* sleep_ms */
    struct process_file files[PROCESS_FILES];
};

/* The initrd the programs come from (kmain, once at boot). Returns 0, or -EINVAL with
 * the reason printed; then no program can be run, but the kernel goes on. */
int process_init(const void *initrd, size_t size);

/* The initrd, or NULL if none was loaded (for `ls` and `cat`). */
const struct initrd *process_initrd(void);

/* Run program argv[0] from the initrd as a new task (named after it), with argv as its
 * arguments. Returns the pid, or a negated errno after printing why on the console:
 * -ENOENT (no such program), -ENOEXEC (the ELF loader's reason is printed), -E2BIG,
 * -ENOMEM, -ENOSPC (no task slot). The caller joins the task (task_join_poll) to learn
 * its exit code. */
int process_spawn(int argc, char *const argv[]);

/* Kill process `pid` at its next poll, printing "[pid N] killed: <reason>"; a syscall
 * it waits in ends with -EINTR. Returns 0, or -ESRCH if `pid` is not a live process. */
int process_kill(uint16_t pid, const char *reason);

/* The process running now (in a syscall handler), or NULL. */
struct process *process_current(void);

#endif
