/*
 * x86_64_registers.h - the GDB register block (x86_64_registers.c): GDB's amd64
 * register numbers, their sizes, and reading and writing them in a stopped context's
 * trap frame. x86_64.c builds struct gdb_target's register calls on these; the
 * in-kernel test (tests/ktest/test_gdbstub.c) checks the map against GDB's numbering.
 * None of these can fault: frames and tasks are the caller's, checked by it.
 */
#ifndef LOCKSTEP_GDBSTUB_X86_64_REGISTERS_H
#define LOCKSTEP_GDBSTUB_X86_64_REGISTERS_H

#include "gdbstub_internal.h"
#include "trap.h"

#define X86_64_REGISTERS 65                 /* rax ... efer: GDB's numbers 0-64 */

/* GDB's numbers (its amd64 order, the table's) of the registers the stub treats apart. */
enum x86_64_register {
    X86_64_RDI = 5, X86_64_RBP = 6, X86_64_RSP = 7,
    X86_64_RIP = 16, X86_64_EFLAGS = 17, X86_64_CS = 18, X86_64_SS = 19,
};

/* target.xml, built from the table by x86_64_registers_init (once, at stub init;
 * panics if it outgrows its buffer). */
extern char x86_64_target_xml[8192];
void x86_64_registers_init(void);

/* Bytes of register `regno`, 0 if there is none. */
unsigned x86_64_register_size(unsigned regno);

/* Register `regno` into `out` (x86_64_register_size bytes), from the stopped context's
 * `frame`, or, with `frame` NULL, as `task` waits between polls: rip its poll function,
 * rdi the argument, rsp a zero return address. Registers outside the frame (segments,
 * control registers, MSRs) are the CPU's now, whichever the context. 0, or -EINVAL. */
int x86_64_register_read(const struct trap_frame *frame, const struct gdbstub_task *task,
                         unsigned regno, void *out);

/* Write register `regno` of the stopped context: 0, or -EINVAL for no such register, a
 * non-canonical rip, or a change to one the stub keeps as it is (segments, cs, ss, FPU,
 * SSE, control registers: only their present value may be written back). */
int x86_64_register_write(struct trap_frame *frame, unsigned regno, const void *in);

/* For tests: register `regno`'s name in the table (NULL past the end), and access to it
 * in `frame` as the stub would (0 or -EINVAL). */
const char *gdbstub_register_name(unsigned regno);
int gdbstub_frame_register(struct trap_frame *frame, unsigned regno, void *value, bool write);

#endif
