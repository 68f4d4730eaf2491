/*
 * panic.h - the end of the line for broken invariants, and the arch hooks it needs.
 * panic() prints "PANIC: message" and a backtrace on every console, then stops the CPU
 * for good (or hands control to the hook, which tests use to report a failure and exit).
 * KASSERT checks an invariant and panics with the function name when it is broken.
 */
#ifndef LOCKSTEP_LIB_PANIC_H
#define LOCKSTEP_LIB_PANIC_H

#include "compiler.h"

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define KASSERT(cond)                                                              \
    do {                                                                           \
        if (!(cond))                                                               \
            panic("%s: assertion failed: %s (%s:%d)", __func__, #cond, __FILE__,   \
                  __LINE__);                                                       \
    } while (0)

/* Hooks run (with IRQs off) after the panic message and backtrace are printed, before
 * the halt, in the order they were added: the trace flushes its last events, the test
 * harness reports the failure and exits. A hook may not return.
 * Returns 0, or -ENOSPC when PANIC_HOOKS are registered already. */
#define PANIC_HOOKS 4
typedef void (*panic_hook_fn)(const char *message);
int panic_add_hook(panic_hook_fn hook);

/* Provided by the architecture (kernel/arch/x86_64/trap.c). */
void arch_irq_disable(void);
void arch_backtrace_here(void);          /* print the caller's call chain */
__noreturn void arch_halt(void);         /* stop this CPU with IRQs off, forever */

#endif
