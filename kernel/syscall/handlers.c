/*
 * handlers.c - one function per syscall in syscalls.def (the dispatcher, syscall.c,
 * declares them from the table). Arguments arrive as raw 64-bit registers: each handler
 * narrows them itself, and reaches user memory only through uspace.h, so a bad pointer
 * is -EFAULT. A handler returns true when done (call->result set), false when it waits;
 * a waiting handler is polled again after its wake, with call->started set by itself.
 */
#include "errno.h"
#include "executor.h"
#include "kprintf.h"
#include "process.h"
#include "terminal.h"

#define WRITE_CHUNK  256               /* bytes copied in and written per step */
#define WRITE_POLL   4096              /* bytes written per poll, then the others run */
#define SLEEP_MS_MAX 86400000ull       /* one day: longer sleeps are refused (-EINVAL) */

static bool done(struct syscall_call *call, int64_t result)
{
    call->result = result;
    return true;
}

bool sys_exit(struct process *process, struct syscall_call *call)
{
    process->exited = true;
    process->exit_code = (int32_t)call->args[0];
    return done(call, 0);
}

/* A page per poll: a long write lets the other tasks (the shell's Ctrl+C among them)
 * run between its pages, as a sleep would, instead of holding the CPU to its end. The
 * program cannot change its buffer meanwhile: it runs only when the call returns. */
bool sys_write(struct process *process, struct syscall_call *call)
{
    uint64_t fd = call->args[0], buf = call->args[1], len = call->args[2];
    char chunk[WRITE_CHUNK];
    if (fd != 1 && fd != 2)
        return done(call, -EBADF);
    if (!call->started) {
        if (uspace_check(&process->space, buf, len, false) != 0)
            return done(call, -EFAULT);    /* checked whole: nothing half-written */
        call->started = true;
    }
    for (uint64_t step = 0; call->progress < len && step < WRITE_POLL; step += WRITE_CHUNK) {
        uint64_t at = call->progress;
        size_t n = len - at < WRITE_CHUNK ? (size_t)(len - at) : WRITE_CHUNK;
        uspace_copy_in(&process->space, chunk, buf + at, n);
        console_write(chunk, n);
        call->progress += n;
    }
    if (call->progress < len) {
        task_yield_now();                  /* polled again after the other ready tasks */
        return false;
    }
    return done(call, (int64_t)len);
}

/* fd 0: the first line typed at the console (terminal.h); what is not taken stays
 * queued for the next reader, the shell included once this program has ended. */
static bool read_console(struct process *process, struct syscall_call *call)
{
    uint64_t buf = call->args[1], len = call->args[2];
    const char *text;
    size_t line = terminal_line(&text);
    if (uspace_check(&process->space, buf, len, true) != 0)
        return done(call, -EFAULT);
    if (len == 0)
        return done(call, 0);
    if (!line) {
        terminal_wait(process->pid);       /* terminal_input wakes us */
        return false;
    }
    size_t n = len < line ? (size_t)len : line;
    uspace_copy_out(&process->space, buf, text, n);
    terminal_consume(n);
    terminal_stop_waiting(process->pid);
    return done(call, (int64_t)n);
}

static struct process_file *file_of(struct process *process, uint64_t fd)
{
    if (fd < 3 || fd >= PROCESS_FILES || !process->files[fd].data)
        return NULL;
    return &process->files[fd];
}

bool sys_read(struct process *process, struct syscall_call *call)
{
    uint64_t fd = call->args[0], buf = call->args[1], len = call->args[2];
    if (fd == 0)
        return read_console(process, call);
    struct process_file *file = file_of(process, fd);
    if (!file)
        return done(call, -EBADF);
    size_t left = file->size - file->offset;
    size_t n = len < left ? (size_t)len : left;
    if (uspace_check(&process->space, buf, len, true) != 0)
        return done(call, -EFAULT);        /* checked whole: nothing half-read */
    uspace_copy_out(&process->space, buf, file->data + file->offset, n);
    file->offset += n;
    return done(call, (int64_t)n);
}

bool sys_open(struct process *process, struct syscall_call *call)
{
    char path[INITRD_NAME_MAX];
    struct initrd_file found;
    long len = uspace_string_in(&process->space, path, call->args[0], sizeof(path));
    if (len < 0)
        return done(call, len);
    if (!process_initrd() || initrd_find(process_initrd(), path, &found) != 0)
        return done(call, -ENOENT);
    for (int fd = 3; fd < PROCESS_FILES; fd++) {
        if (!process->files[fd].data) {
            process->files[fd] = (struct process_file){ .data = found.data,
                                                        .size = found.size };
            return done(call, fd);
        }
    }
    return done(call, -EMFILE);
}

bool sys_close(struct process *process, struct syscall_call *call)
{
    struct process_file *file = file_of(process, call->args[0]);
    if (!file)
        return done(call, -EBADF);
    *file = (struct process_file){ 0 };
    return done(call, 0);
}

bool sys_sleep_ms(struct process *process, struct syscall_call *call)
{
    if (!call->started) {
        if (call->args[0] > SLEEP_MS_MAX)
            return done(call, -EINVAL);
        sleep_start_ms(&process->sleep, call->args[0]);
        call->started = true;
    }
    if (!sleep_poll(&process->sleep))
        return false;
    return done(call, 0);
}

/* The process's task yields after every syscall anyway (process.h): nothing to do. */
bool sys_yield(struct process *process, struct syscall_call *call)
{
    (void)process;
    return done(call, 0);
}

bool sys_getpid(struct process *process, struct syscall_call *call)
{
    return done(call, process->pid);
}

bool sys_uptime(struct process *process, struct syscall_call *call)
{
    (void)process;
    return done(call, (int64_t)timer_now_ms());
}
