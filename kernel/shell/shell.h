/*
 * shell.h - the interactive shell: a task that reads lines from the PS/2 keyboard and
 * COM1 through one line editor (line.h) and runs commands from one table (commands.h).
 */
#ifndef LOCKSTEP_SHELL_H
#define LOCKSTEP_SHELL_H

/* Spawn the shell task. Returns its id or task_spawn's error. */
int shell_start(void);

#endif
