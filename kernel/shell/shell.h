/*
 * shell.h - the interactive console task. (Placeholder until the shell proper: it echoes
 * what arrives from the PS/2 keyboard and from COM1, and shows the prompt.)
 */
#ifndef LOCKSTEP_SHELL_H
#define LOCKSTEP_SHELL_H

/* Spawn the console task. Returns its id or task_spawn's error. */
int shell_start(void);

#endif
