/*
 * gdbstub.h - the kernel's own GDB stub: the remote serial protocol spoken by the kernel
 * itself, over its own serial port (COM3), the way kgdb debugs Linux. This header is the
 * whole interface the rest of the kernel sees: set-up, and the ways in (an exception
 * while GDB is attached, Ctrl-C from GDB, the `gdb` boot option or shell command).
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

/* `monitor CMD` from GDB runs fn(CMD) with the console captured into the reply; fn
 * returns 0, or -ENOENT for a command it does not know. The shell registers it. */
void gdbstub_set_monitor(int (*fn)(const char *command));

#endif
