/*
 * host_kernel.h - what a host unit test needs to link kernel code that reports through
 * kprintf and names callers with ksyms: an empty symbol table (the kernel's is generated
 * at link time) and a console that captures everything printed, for tests to search.
 * Include once, after unit.h, in tests that compile kernel/lib/kprintf.c and ksyms.c.
 */
#ifndef LOCKSTEP_UNIT_HOST_KERNEL_H
#define LOCKSTEP_UNIT_HOST_KERNEL_H

#include "kprintf.h"
#include "ksyms.h"

const uint64_t ksym_count = 0;
const struct ksym ksym_table[1];
const char ksym_names[1];
const char __text_end[1];

static char host_console_text[8192];
static size_t host_console_used;

static void host_console_write(struct console *console, const char *text, size_t len)
{
    (void)console;
    for (size_t i = 0; i < len && host_console_used + 1 < sizeof(host_console_text); i++)
        host_console_text[host_console_used++] = text[i];
    host_console_text[host_console_used] = '\0';
}

static struct console host_console = { .name = "host", .write = host_console_write };

/* Start capturing (again): forget what was printed so far. */
static void host_console_reset(void)
{
    static int registered;
    if (!registered++)
        console_register(&host_console);
    host_console_used = 0;
    host_console_text[0] = '\0';
}

#endif
