/*
 * process.c - user programs as executor tasks (process.h): spawning one from the initrd,
 * its task's poll (run to the next trap, handle it), killing, and the end of a program,
 * which gives back every page, its kernel stack and its state.
 * A process belongs to its task: only its own poll changes it, except for the shell's
 * process_kill, which runs in the shell's task (never concurrently: one executor, one
 * CPU) and then wakes it. Console input is the terminal's (terminal.h), not a process's.
 */
#include "process.h"
#include "errno.h"
#include "executor.h"
#include "format.h"
#include "heap.h"
#include "kprintf.h"
#include "replay.h"
#include "string.h"
#include "trace.h"
#include "user.h"
#include "vmm.h"

/* Page-fault error code bits (SDM Vol.3A 4.7). */
#define PF_PRESENT  (1u << 0)
#define PF_WRITE    (1u << 1)
#define PF_FETCH    (1u << 4)

static struct initrd initrd;
static bool have_initrd;
static struct process *current;        /* the process being polled, or NULL */

int process_init(const void *base, size_t size)
{
    const char *error = "";
    size_t offset = 0;
    if (initrd_open(&initrd, base, size, &error, &offset) != 0) {
        kprintf("initrd: refused: %s (header at offset %lu); no programs to run\n", error,
                offset);
        return -EINVAL;
    }
    have_initrd = true;
    return 0;
}

const struct initrd *process_initrd(void)
{
    return have_initrd ? &initrd : NULL;
}

struct process *process_current(void)
{
    return current;
}

static enum poll process_poll(struct task *task);

static struct process *process_of(uint16_t pid)
{
    const struct task *task = task_find(pid);
    if (!task || task->poll != process_poll || task->state != TASK_LIVE || !task->data)
        return NULL;
    return task->data;
}

/* Everything a process holds goes back; its task then ends with its exit code. */
static enum poll finish(struct task *task, struct process *p)
{
    if (p->exited && p->exit_code != 0)    /* a kill has said so already (kill) */
        kprintf("[pid %u] exited with code %d\n", p->pid, p->exit_code);
    if (p->in_syscall)
        syscall_cancel(p);
    uspace_destroy(&p->space);
    vmm_stack_free(p->kernel_stack);
    task->exit_code = p->exit_code;
    task->data = NULL;
    kfree(p);
    return POLL_READY;
}

static enum poll kill(struct task *task, struct process *p, const char *reason)
{
    kprintf("[pid %u] killed: %s\n", p->pid, reason);
    p->exit_code = PROCESS_EXIT_KILLED;
    return finish(task, p);
}

static enum poll fault(struct task *task, struct process *p, uint64_t address)
{
    const struct trap_frame *f = p->frame;
    char reason[128];
    if (f->vector == VECTOR_PAGE_FAULT) {
        const char *access = f->error_code & PF_FETCH ? "instruction fetch"
                           : f->error_code & PF_WRITE ? "write" : "read";
        ksnprintf(reason, sizeof(reason), "page fault at 0x%lx (%s, %s; rip 0x%lx)", address,
                  access, f->error_code & PF_PRESENT ? "not allowed" : "not mapped",
                  f->rip);
    } else {
        ksnprintf(reason, sizeof(reason), "%s at rip 0x%lx (error code 0x%lx)",
                  trap_exception_name((unsigned)f->vector), f->rip, f->error_code);
    }
    return kill(task, p, reason);
}

/*
 * One poll: finish a syscall that was waiting, then run the program until it traps
 * once more, and handle that trap. Every return path that is not the end of the
 * program leaves the task either woken (yield) or registered with whatever it waits
 * for, so it is polled again.
 */
static enum poll process_poll(struct task *task)
{
    struct process *p = task->data;
    enum poll result = POLL_PENDING;
    uint64_t address = 0;
    current = p;
    if (p->kill_reason) {
        result = kill(task, p, p->kill_reason);
        goto out;
    }
    if (p->in_syscall) {
        if (!syscall_poll(p))
            goto out;                          /* still waiting */
        p->in_syscall = false;
        p->frame->rax = (uint64_t)p->call.result;
    }
    if (p->exited) {
        result = finish(task, p);
        goto out;
    }

    /* Replay: an input recorded inside this ring-3 run arrives instead of the run. */
    enum user_exit exit = USER_EXIT_INTERRUPT;
    if (!replay_program_input()) {
        vmm_user_activate(&p->space.tables);
        exit = user_run(p->frame, &p->segments, &address);
    }
    switch (exit) {
    case USER_EXIT_SYSCALL:
        syscall_begin(p);
        if (!syscall_poll(p)) {
            p->in_syscall = true;              /* its wake brings us back */
            break;
        }
        p->frame->rax = (uint64_t)p->call.result;
        if (p->exited) {
            result = finish(task, p);
            break;
        }
        task_yield_now();                      /* every syscall ends a poll */
        break;
    case USER_EXIT_INTERRUPT:
        task_yield_now();                      /* let whoever the IRQ woke run */
        break;
    case USER_EXIT_FAULT:
        result = fault(task, p, address);
        break;
    }
out:
    current = NULL;
    return result;
}

static int refuse(int err, const char *fmt, const char *name, const char *detail)
{
    kprintf(fmt, name, detail);
    return err;
}

int process_spawn(int argc, char *const argv[])
{
    struct initrd_file file;
    struct elf_image image;
    const char *error = "";
    if (argc < 1)
        return -EINVAL;
    if (!have_initrd || initrd_find(&initrd, argv[0], &file) != 0)
        return refuse(-ENOENT, "%s: no such program%s\n", argv[0],
                      have_initrd ? " (ls lists the initrd)" : ": no initrd was loaded");
    if (elf_parse(file.data, file.size, &image, &error) != 0)
        return refuse(-ENOEXEC, "%s: not a program Lockstep can run: %s\n", argv[0], error);

    struct process *p = kcalloc(1, sizeof(*p));
    if (!p)
        return refuse(-ENOMEM, "%s: %s\n", argv[0], "out of memory");
    int err = uspace_create(&p->space, &image, file.data, argc, argv);
    if (err) {
        kfree(p);
        return refuse(err, "%s: %s\n", argv[0], err == -E2BIG ? "too many arguments"
                                                              : "out of memory");
    }
    p->kernel_stack = vmm_stack_alloc();
    if (!p->kernel_stack) {
        uspace_destroy(&p->space);
        kfree(p);
        return refuse(-ENOMEM, "%s: %s\n", argv[0], "no kernel stack left");
    }
    p->frame = (struct trap_frame *)p->kernel_stack - 1;
    user_frame_init(p->frame, p->space.entry, p->space.stack_pointer,
                    input_mode() != TRACE_MODE_REPLAY);
    strlcpy(p->name, argv[0], sizeof(p->name));

    int pid = task_spawn(p->name, process_poll, p);
    if (pid < 0) {
        uspace_destroy(&p->space);
        vmm_stack_free(p->kernel_stack);
        kfree(p);
        return refuse(pid, "%s: %s\n", argv[0], "no free task slot");
    }
    p->pid = (uint16_t)pid;
    return pid;
}

int process_kill(uint16_t pid, const char *reason)
{
    struct process *p = process_of(pid);
    if (!p)
        return -ESRCH;
    p->kill_reason = reason;
    task_wake(pid, TRACE_WAKER_TASK(task_current_id()));
    return 0;
}
