/*
 * provoke.h - CPU exceptions on purpose: the shell's `fault` command and the in-kernel
 * tests raise them through these, so both exercise the same code. Each is out of line
 * and works on volatile data, so gcc can neither fold the fault away nor drop it.
 *
 * Some need a machine setting the kernel does not run with (CR0.TS, CR0.NE, CR4.OSFXSR,
 * a not-present descriptor): each sets it itself just before the faulting instruction
 * and leaves it set, since the fault never returns there. A caller that recovers from
 * the fault (tests/ktest/) puts the setting back: what to restore is said per function.
 * Exceptions no function here raises, and why: tests/ktest/test_exception_vectors.c.
 */
#ifndef LOCKSTEP_ARCH_PROVOKE_H
#define LOCKSTEP_ARCH_PROVOKE_H

#include "compiler.h"
#include "layout.h"

/* a / b: #DE (vector 0) when b is 0. */
int provoke_divide(volatile int a, volatile int b);

/* Recurse with 256 live bytes per frame until the stack runs out: #PF on the guard
 * page below it, which becomes #DF (the #PF handler has no stack to run on either). */
uint64_t provoke_recursion(uint64_t depth);

/* An instruction breakpoint (DR3, DR7) on a function it then calls: #DB (vector 1)
 * before that function's first instruction, with DR6.B3 set, so the GDB stub can tell
 * it is none of GDB's breakpoints or steps. Leaves DR3 and the breakpoint enabled in
 * DR7: the caller restores DR7 (read it before). */
void provoke_debug(void);
void provoke_single_step(void);   /* #DB (single step), TF set by popfq */

/* An x87 instruction with CR0.TS set: #NM (vector 7). Leaves CR0.TS set. */
void provoke_device_not_available(void);

/* The selector of the spare GDT slot provoke_segment_not_present/provoke_stack_segment
 * load: one past the kernel's GDT, in a copy of it (the GDT has no free slot). */
#define PROVOKE_SPARE_SELECTOR (GDT_ENTRIES * 8)

/* Load DS with a data segment whose descriptor is not present: #NP (vector 11), error
 * code PROVOKE_SPARE_SELECTOR. Leaves a copy of the GDT loaded (GDTR): the same
 * descriptors plus the spare one; the caller reloads the kernel's own (sgdt before,
 * lgdt after). DS is unchanged: the fault comes before the load. */
void provoke_segment_not_present(void);

/* The same for SS: a not-present stack segment raises #SS (vector 12) instead, error
 * code PROVOKE_SPARE_SELECTOR. Leaves the GDT copy loaded, as above. */
void provoke_stack_segment(void);

/* A read from a non-canonical address (bit 63 set, bits 62-47 clear): #GP (vector 13)
 * with error code 0. Changes nothing. */
uint64_t provoke_general_protection(void);

/* 1.0 / 0.0 on the x87 with the zero-divide exception unmasked, then FWAIT: #MF
 * (vector 16). Sets CR0.NE first (native x87 error reporting; with NE clear the error
 * would go out on the FERR# line to IRQ 13 instead). Leaves CR0.NE set and the x87
 * with its exception pending: the caller restores CR0 and calls provoke_x87_clear. */
void provoke_x87_error(void);

/* FNINIT: the x87 back to its power-up state, pending exception and control word
 * included. Does not wait, so it cannot raise #MF itself. */
void provoke_x87_clear(void);

/* 1.0 / 0.0 with SSE (LDMXCSR, then DIVSS) and the zero-divide exception unmasked.
 * The kernel runs with CR4.OSFXSR clear (it uses no SSE), so the first SSE instruction
 * raises #UD (vector 6). With CR4.OSFXSR and CR4.OSXMMEXCPT set, hardware raises the
 * SIMD floating-point exception, #XM (vector 19), and QEMU 7.2's TCG none at all (the
 * division completes). Changes nothing when it faults on LDMXCSR; MXCSR otherwise. */
void provoke_simd_divide(void);

#endif
