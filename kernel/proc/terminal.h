/*
 * terminal.h - the console's input queue, the one a Unix tty keeps in canonical mode.
 * While a command runs in the foreground (a program, or the shell's `sleep`), the shell
 * is the line discipline: it appends each typed line here. The foreground program's
 * read(0) takes from the front; whatever no program has read when it ends stays queued,
 * and the shell runs it as if typed at its prompt. Ctrl+C flushes the queue, as a tty
 * flushes its input on an interrupt, so only what is typed after it reaches the shell.
 * One console, one queue. Task context only: the shell's task and a program's task
 * change it, never at the same time (one executor, one CPU), so it takes no lock.
 */
#ifndef LOCKSTEP_PROC_TERMINAL_H
#define LOCKSTEP_PROC_TERMINAL_H

#include "compiler.h"

#define TERMINAL_INPUT_MAX 1024        /* bytes typed ahead: some 14 full lines */

/* Append typed input (a line with its '\n') and wake the task waiting for a line, if
 * any. Returns 0, or -ENOSPC if not all `len` bytes fit (then none are taken). */
int terminal_input(const char *text, size_t len);

/* The first whole line: its length with the '\n', *text pointing at it; 0 (and *text
 * untouched) while no whole line is queued. It stays queued until terminal_consume. */
size_t terminal_line(const char **text);

/* Drop the first `n` bytes, which the caller has taken (at most what terminal_line
 * returned). Cannot fail. */
void terminal_consume(size_t n);

/* Wake task `id` when input is appended (one waiter at a time, as one program reads the
 * console); terminal_stop_waiting(id) forgets it again if it is still the waiter. */
void terminal_wait(uint16_t id);
void terminal_stop_waiting(uint16_t id);

/* Forget everything queued (Ctrl+C). Cannot fail. */
void terminal_flush(void);

#endif
