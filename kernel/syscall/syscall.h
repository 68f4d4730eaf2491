/*
 * syscall.h - the syscall table (syscalls.def) and its dispatcher. A syscall is a future
 * over the process that made it: syscall_begin records the number and arguments from
 * the program's registers, syscall_poll runs the handler until it is done (most are done
 * at once; read from the console and sleep_ms wait, and a long write takes a page per
 * poll), and the result goes back in rax.
 * Every syscall is traced: syscall_enter when it begins, syscall_exit when it ends.
 */
#ifndef LOCKSTEP_SYSCALL_H
#define LOCKSTEP_SYSCALL_H

#include "compiler.h"

struct process;

#define SYSCALL_ARGS_MAX 3

struct syscall_call {
    uint64_t number;
    uint64_t args[SYSCALL_ARGS_MAX];
    int64_t result;
    bool started;                      /* a handler spanning polls did its first part
                                          (set up its wait, checked its buffer) */
    uint64_t progress;                 /* what one spanning several polls has done */
};

/* What the shell's `syscalls` command and docs print about each entry of the table. */
struct syscall_info {
    uint16_t number;
    uint8_t arg_count;
    const char *name, *doc;
    const char *arg_types[SYSCALL_ARGS_MAX], *arg_names[SYSCALL_ARGS_MAX];
};

/* The table, in number order; *count gets its length. */
const struct syscall_info *syscall_table(size_t *count);

/* Start the syscall the process just made (number in rax, arguments in rdi, rsi, rdx),
 * emitting syscall_enter. Cannot fail: an unknown number fails later with -ENOSYS. */
void syscall_begin(struct process *process);

/* Future: run the syscall's handler. True when it is done, with the result in
 * process->call.result and syscall_exit emitted; false when it waits (the task will be
 * woken). Task context (the process's own poll). */
bool syscall_poll(struct process *process);

/* The process is being killed while its syscall waits: stop waiting, end it with
 * -EINTR (traced). Cannot fail. */
void syscall_cancel(struct process *process);

#endif
