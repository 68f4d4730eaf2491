/*
 * gdbstub.h - the kernel's own GDB stub: the remote serial protocol spoken by the kernel
 * itself, over its own serial port (COM3), the way kgdb debugs Linux. This header is the
 * whole interface the rest of the kernel sees: set-up, the ways in (an exception while
 * GDB is attached, Ctrl-C from GDB, the `gdb` boot option or shell command), and the two
 * views it is given of the kernel above it: the tasks (as GDB threads) and `monitor`.
 * The stub's own parts and their tests share gdbstub_internal.h.
 */
#ifndef LOCKSTEP_GDBSTUB_H
#define LOCKSTEP_GDBSTUB_H

#include "compiler.h"

/* Bring up COM3 and the stub. Returns 0 or -EIO if there is no COM3. IRQs off. */
int gdbstub_kernel_init(void);

/* Stop here and wait for GDB (boot option `gdb`, shell command `gdb`). */
void gdbstub_breakpoint(void);

/* True if the stub is up (COM3 answered). */
bool gdbstub_kernel_ready(void);

/* True once a GDB has attached (and not detached). */
bool gdbstub_attached(void);

/* The kernel's tasks, which GDB lists as threads beside the CPU's own
 * (thread 10000, hex): the executor describes them through this view
 * (kernel/async/gdb_tasks.c), so the stub never reads the executor's structures.
 * The stub calls these only while the kernel is stopped, with IRQs off. */
struct gdbstub_task {
    uint32_t id;                       /* the task id: 1 to 0xffff */
    char name[16];
    const char *state;                 /* "ready", "waiting" or "running" */
    uint32_t polls;
    uint64_t resume;                   /* where it waits: the poll function the executor */
    uint64_t argument;                 /* calls next, and that call's argument */
};
struct gdbstub_tasks {
    /* The lowest id of a live task (finished ones left out) above `after`, or 0 if there
     * is none: the tasks in id order, whichever came or went since the last call. */
    uint32_t (*next)(uint32_t after);
    /* Live task `id` into `out`: 0, or -ESRCH if there is none. */
    int (*find)(uint32_t id, struct gdbstub_task *out);
    /* The id of the task being polled now, or 0 (an interrupt, the idle loop, boot). */
    uint32_t (*current)(void);
};

/* Give the stub its view of the tasks. Until then GDB sees one thread, the CPU. */
void gdbstub_set_tasks(const struct gdbstub_tasks *tasks);

/* The longest `monitor` command the stub hands on; it answers a longer one itself. */
#define GDBSTUB_MONITOR_MAX 127

/* `monitor CMD` from GDB runs fn(CMD) with GDB registered as one more console: what it
 * prints goes to GDB too (the other consoles still show it). CMD has at most
 * GDBSTUB_MONITOR_MAX characters. fn answers every command itself, with its own text
 * for one it does not know (the stub relays what it prints and adds nothing). The shell
 * registers it. */
void gdbstub_set_monitor(void (*fn)(const char *command));

#endif
