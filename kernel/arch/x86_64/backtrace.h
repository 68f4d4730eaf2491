/*
 * backtrace.h - frame-pointer call chains with symbol names (the kernel is built with
 * -fno-omit-frame-pointer; boot.S starts the chain with RBP = 0). Every frame pointer is
 * checked against the page tables before it is read, so a corrupt chain ends the trace
 * with a note instead of a fault. IRQ-safe; never blocks.
 */
#ifndef LOCKSTEP_ARCH_BACKTRACE_H
#define LOCKSTEP_ARCH_BACKTRACE_H

#include "compiler.h"

#define BACKTRACE_MAX_DEPTH 32

/* Print the chain starting at instruction `rip` with frame pointer `rbp`. */
void backtrace_print(uint64_t rip, uint64_t rbp);

/* Fill `out` with up to `max` return addresses starting at `rbp`; returns the count. */
size_t backtrace_collect(uint64_t rbp, uint64_t *out, size_t max);

#endif
