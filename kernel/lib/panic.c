/*
 * panic.c - panic() (panic.h). Interrupts go off first so that nothing runs on top of
 * a broken kernel; a nested panic (a panic while printing the first) skips straight to
 * the halt instead of recursing.
 */
#include "panic.h"
#include "errno.h"
#include "format.h"
#include "kprintf.h"

static panic_hook_fn hooks[PANIC_HOOKS];   /* added at boot or by tests, IRQs off */
static int panicking;                      /* only written with IRQs off */

int panic_add_hook(panic_hook_fn fn)
{
    for (size_t i = 0; i < PANIC_HOOKS; i++) {
        if (!hooks[i]) {
            hooks[i] = fn;
            return 0;
        }
    }
    return -ENOSPC;
}

void panic(const char *fmt, ...)
{
    arch_irq_disable();
    if (panicking++)
        arch_halt();

    char message[256];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(message, sizeof(message), fmt, args);
    va_end(args);

    kprintf("\n" ANSI_RED "PANIC: %s" ANSI_RESET "\n", message);
    arch_backtrace_here();
    for (size_t i = 0; i < PANIC_HOOKS && hooks[i]; i++)
        hooks[i](message);
    kprintf("kernel halted.\n");
    arch_halt();
}
