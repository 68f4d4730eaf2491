/*
 * commands.h - the shell's commands: one table of name, usage, one-line help and
 * handler (commands.c). A handler returns 0, or a negative errno after printing its
 * one-line error; for -EINVAL (bad arguments) the shell then prints the usage. A handler that has to wait (sleep)
 * leaves a sleep armed in the shell state, and the shell awaits it before the next
 * prompt; `run` leaves the pid of the program it started, and the shell waits for that.
 * Either way the command runs in the foreground: the shell queues lines typed meanwhile
 * and ends it on Ctrl+C (shell.c).
 */
#ifndef LOCKSTEP_SHELL_COMMANDS_H
#define LOCKSTEP_SHELL_COMMANDS_H

#include "timer.h"

struct shell_state {
    struct sleep sleep;                /* armed by `sleep` */
    bool sleeping;
    uint16_t foreground;               /* set by `run`: the program the shell waits for */
};

struct command {
    const char *name;
    const char *usage;
    const char *help;
    int (*run)(struct shell_state *shell, int argc, char **argv);
};

/* The user-program commands (programs.c). */
int shell_cmd_ls(struct shell_state *shell, int argc, char **argv);
int shell_cmd_cat(struct shell_state *shell, int argc, char **argv);
int shell_cmd_run(struct shell_state *shell, int argc, char **argv);
int shell_cmd_syscalls(struct shell_state *shell, int argc, char **argv);

/* The command named `name`, or NULL. */
const struct command *command_find(const char *name);

/* Run a parsed line (argv[0] is the command). Prints errors itself. */
void command_run(struct shell_state *shell, int argc, char **argv);

/* GDB's `monitor` commands (commands.c lists them), registered with the GDB stub. It
 * answers every command on the console: `help`, an empty or unknown one with the list,
 * bad arguments with the usage. Cannot fail. */
void shell_monitor(const char *command);

/* Command names starting with `prefix` (the line editor's Tab completion). */
size_t command_complete(const char *prefix, const char **names, size_t max);

#endif
