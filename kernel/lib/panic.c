/*
 * panic.c - panic() (panic.h). Interrupts go off first so that nothing runs on top of
 * a broken kernel; a nested panic (a panic while printing the first) skips straight to
 * the halt instead of recursing.
 */
#include "panic.h"
#include "format.h"
#include "kprintf.h"

static panic_hook_fn hook;      /* set at boot or by tests, IRQs off */
static int panicking;           /* only written with IRQs off */

void panic_set_hook(panic_hook_fn fn)
{
    hook = fn;
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
    if (hook)
        hook(message);
    kprintf("kernel halted.\n");
    arch_halt();
}
