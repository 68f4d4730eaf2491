/*
 * gdb_tasks.h - the executor's tasks as the GDB stub sees them: the view kmain hands to
 * gdbstub_set_tasks, so that `info threads` lists the tasks while the stub itself reads
 * nothing of the executor (the stub is reached only through gdbstub.h, STYLE.md).
 */
#ifndef LOCKSTEP_ASYNC_GDB_TASKS_H
#define LOCKSTEP_ASYNC_GDB_TASKS_H

#include "gdbstub.h"

extern const struct gdbstub_tasks executor_gdb_tasks;

#endif
