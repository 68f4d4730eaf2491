/*
 * machine.h - what the executor needs from the machine, and nothing more. The kernel
 * implements these in kernel/async/machine.c (cpu.h, the PIT); host unit tests implement
 * them with a fake interrupt source, so the executor itself is the same code in both.
 */
#ifndef LOCKSTEP_ASYNC_MACHINE_H
#define LOCKSTEP_ASYNC_MACHINE_H

#include "compiler.h"

/* Disable interrupts; return the previous state for async_machine_irq_restore. */
uint64_t async_machine_irq_save(void);
void async_machine_irq_restore(uint64_t state);

/* With interrupts disabled by the caller: enable them and halt until one arrives, as one
 * step (sti; hlt), so a wake between the caller's check and the halt is not lost.
 * Returns with interrupts enabled. */
void async_machine_idle(void);

#endif
