/*
 * kprintf.h - kernel output to every registered console (COM1 and VGA at boot).
 * Drivers register a console; lib knows nothing about hardware. Text may contain ANSI
 * SGR colour sequences ("\033[31m"): serial terminals interpret them and the VGA console
 * translates them, so both show the same colours.
 * All functions are IRQ-safe and never block beyond the consoles' own polled output;
 * output from an IRQ handler may interleave with mainline output at line granularity.
 */
#ifndef LOCKSTEP_LIB_KPRINTF_H
#define LOCKSTEP_LIB_KPRINTF_H

#include <stdarg.h>
#include "compiler.h"

#define CONSOLE_MAX 4

struct console {
    const char *name;
    void (*write)(struct console *console, const char *text, size_t len);
};

/* Add a console; returns 0, or -ENOSPC when CONSOLE_MAX are registered. */
int console_register(struct console *console);
/* Remove a console; returns 0, or -ENOENT if it was not registered. */
int console_unregister(struct console *console);

/* Write raw text to every console. */
void console_write(const char *text, size_t len);

int kprintf(const char *fmt, ...) __printf(1, 2);
int kvprintf(const char *fmt, va_list args);

#define ANSI_RESET  "\033[0m"
#define ANSI_RED    "\033[31m"
#define ANSI_GREEN  "\033[32m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_CYAN   "\033[36m"
#define ANSI_BOLD   "\033[1m"

#endif
