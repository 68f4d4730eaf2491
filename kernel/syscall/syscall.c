/*
 * syscall.c - the dispatch table, built from syscalls.def, and the syscall future
 * (syscall.h). Handlers live in handlers.c; each has the signature
 *     bool sys_NAME(struct process *process, struct syscall_call *call)
 * and returns true when done (call->result set), false when it waits for a wake.
 */
#include "syscall.h"
#include "errno.h"
#include "process.h"
#include "terminal.h"
#include "trace.h"

typedef bool (*syscall_handler)(struct process *process, struct syscall_call *call);

#define SYSCALL0(nr, name, doc) \
    bool sys_##name(struct process *process, struct syscall_call *call);
#define SYSCALL1(nr, name, doc, t0, a0) SYSCALL0(nr, name, doc)
#define SYSCALL2(nr, name, doc, t0, a0, t1, a1) SYSCALL0(nr, name, doc)
#define SYSCALL3(nr, name, doc, t0, a0, t1, a1, t2, a2) SYSCALL0(nr, name, doc)
#include "syscalls.def"
#undef SYSCALL0
#undef SYSCALL1
#undef SYSCALL2
#undef SYSCALL3

#define SYSCALL0(nr, name, doc) [nr] = sys_##name,
#define SYSCALL1(nr, name, doc, t0, a0) [nr] = sys_##name,
#define SYSCALL2(nr, name, doc, t0, a0, t1, a1) [nr] = sys_##name,
#define SYSCALL3(nr, name, doc, t0, a0, t1, a1, t2, a2) [nr] = sys_##name,
static const syscall_handler handlers[] = {
#include "syscalls.def"
};
#undef SYSCALL0
#undef SYSCALL1
#undef SYSCALL2
#undef SYSCALL3

#define SYSCALL0(nr, fn, text) \
    { .number = nr, .arg_count = 0, .name = #fn, .doc = text },
#define SYSCALL1(nr, fn, text, t0, a0) \
    { .number = nr, .arg_count = 1, .name = #fn, .doc = text, \
      .arg_types = { #t0 }, .arg_names = { #a0 } },
#define SYSCALL2(nr, fn, text, t0, a0, t1, a1) \
    { .number = nr, .arg_count = 2, .name = #fn, .doc = text, \
      .arg_types = { #t0, #t1 }, .arg_names = { #a0, #a1 } },
#define SYSCALL3(nr, fn, text, t0, a0, t1, a1, t2, a2) \
    { .number = nr, .arg_count = 3, .name = #fn, .doc = text, \
      .arg_types = { #t0, #t1, #t2 }, .arg_names = { #a0, #a1, #a2 } },
static const struct syscall_info infos[] = {
#include "syscalls.def"
};
#undef SYSCALL0
#undef SYSCALL1
#undef SYSCALL2
#undef SYSCALL3

const struct syscall_info *syscall_table(size_t *count)
{
    *count = ARRAY_SIZE(infos);
    return infos;
}

/* The trace carries 16 bits of the number: anything larger shows as 0xffff. */
static uint16_t traced_number(uint64_t number)
{
    return number > 0xffff ? 0xffff : (uint16_t)number;
}

void syscall_begin(struct process *process)
{
    const struct trap_frame *f = process->frame;
    process->call = (struct syscall_call){
        .number = f->rax, .args = { f->rdi, f->rsi, f->rdx },
    };
    TRACE(syscall_enter, .task = process->pid, .number = traced_number(f->rax),
          .arg0 = f->rdi, .arg1 = f->rsi, .arg2 = f->rdx);
}

static void finish(struct process *process)
{
    TRACE(syscall_exit, .task = process->pid,
          .number = traced_number(process->call.number),
          .result = (uint64_t)process->call.result);
}

bool syscall_poll(struct process *process)
{
    struct syscall_call *call = &process->call;
    syscall_handler handler = call->number < ARRAY_SIZE(handlers) ? handlers[call->number]
                                                                  : NULL;
    if (!handler)
        call->result = -ENOSYS;
    else if (!handler(process, call))
        return false;
    finish(process);
    return true;
}

void syscall_cancel(struct process *process)
{
    sleep_cancel(&process->sleep);
    terminal_stop_waiting(process->pid);
    process->call.result = -EINTR;
    finish(process);
}
