/*
 * trap.h - the trap frame every interrupt and exception handler receives, and the
 * dispatch interface. isr.S builds the frame; its offsets are pinned here for it.
 *
 *   high  ss, rsp, rflags, cs, rip    pushed by the CPU (16-byte aligned, SDM 6.14.2)
 *         error_code                  by the CPU, or 0 pushed by the stub
 *         vector                      by the stub
 *   low   rax ... r15                 by isr_common; rsp points at r15
 */
#ifndef LOCKSTEP_ARCH_TRAP_H
#define LOCKSTEP_ARCH_TRAP_H

#define TRAP_FRAME_RBP      64
#define TRAP_FRAME_RAX      112
#define TRAP_FRAME_VECTOR   120
#define TRAP_FRAME_ERROR    128
#define TRAP_FRAME_RIP      136
#define TRAP_FRAME_RSP      160
#define TRAP_FRAME_SIZE     176

#define EXCEPTION_VECTORS   32
#define IRQ_BASE_VECTOR     32          /* PIC lines 0-15 -> vectors 32-47 */
#define IRQ_LINES           16
#define TRAP_STUB_VECTORS   (IRQ_BASE_VECTOR + IRQ_LINES)

/* Exception vectors (SDM Vol.3A Table 6-1). */
#define VECTOR_DIVIDE_ERROR     0
#define VECTOR_DEBUG            1
#define VECTOR_NMI              2
#define VECTOR_BREAKPOINT       3
#define VECTOR_INVALID_OPCODE   6
#define VECTOR_DOUBLE_FAULT     8
#define VECTOR_GENERAL_PROTECTION 13
#define VECTOR_PAGE_FAULT       14
#define VECTOR_MACHINE_CHECK    18

#ifdef __ASSEMBLER__
/* The general registers of a trap frame, pushed from rax down to r15 (so r15 ends at the
 * lowest address, where struct trap_frame starts) and popped back: isr.S and
 * user_entry.S build and unbuild the same frame. With cfi=1, each push also records
 * where the register was saved (DWARF CFI, relative to a CFA at the top of the frame),
 * so debuggers unwind through the interrupt; the caller has opened .cfi_startproc. */
.macro TRAP_PUSH_REGS cfi=0
    .irp reg, rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15
    pushq %\reg
    .if \cfi
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %\reg, 0
    .endif
    .endr
.endm

.macro TRAP_POP_REGS
    .irp reg, r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax
    popq %\reg
    .endr
.endm
#else
#include "compiler.h"

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};
ASSERT_SIZE(struct trap_frame, TRAP_FRAME_SIZE);
ASSERT_OFFSET(struct trap_frame, rbp, TRAP_FRAME_RBP);
ASSERT_OFFSET(struct trap_frame, rax, TRAP_FRAME_RAX);
ASSERT_OFFSET(struct trap_frame, vector, TRAP_FRAME_VECTOR);
ASSERT_OFFSET(struct trap_frame, error_code, TRAP_FRAME_ERROR);
ASSERT_OFFSET(struct trap_frame, rip, TRAP_FRAME_RIP);
ASSERT_OFFSET(struct trap_frame, rsp, TRAP_FRAME_RSP);

/* Called by isr_common for every vector, IRQs off (all gates are interrupt gates). */
void trap_dispatch(struct trap_frame *frame);

/* A hook that may take over an exception after its report is printed: it returns true
 * if it handled the fault (and may have rewritten the frame to resume elsewhere), false
 * to let the kernel halt. Used by the in-kernel tests (the GDB stub has its own hook,
 * trap_set_debugger).
 * Set with IRQs off; NULL removes it. */
typedef bool (*trap_recovery_fn)(struct trap_frame *frame);
void trap_set_recovery(trap_recovery_fn fn);

/* A hook that says where a page-fault address lies, for the #PF report: which mapping
 * (kernel text, heap, a guard page, unmapped...) and why the access failed, as one line
 * into `buf` (always NUL-terminated). The memory manager registers it, since only it
 * knows the kernel's mappings (arch does not depend on mm). It must not fault.
 * Set with IRQs off; NULL removes it. */
typedef void (*trap_fault_describer_fn)(uint64_t address, uint64_t error_code, char *buf,
                                        size_t len);
void trap_set_fault_describer(trap_fault_describer_fn fn);

/* The debugger (the GDB stub): called for #DB and #BP before anything else, and for
 * every other exception after its report, before the kernel gives up. Returns true if
 * it handled the exception (the frame may have been changed: registers, TF, RIP); for
 * those other exceptions, only if it moved RIP, else the kernel panics as it would have.
 * Set once at boot, IRQs off. */
typedef bool (*trap_debugger_fn)(struct trap_frame *frame);
void trap_set_debugger(trap_debugger_fn fn);

/* The debug trap path: the code a #DB or #BP runs through before the debugger has
 * lifted GDB's breakpoints, or after it has armed them again (isr_common, the #DB and
 * #BP stubs, trap_dispatch, the stub's entry), and the doors to ring 3 (user_entry.S),
 * parts of which run in ring 0 on the user's rsp. A breakpoint there would trap again
 * before it could be lifted, or on the user's stack, so the stub refuses them (as kgdb
 * refuses its blocklist). kernel.ld gathers it between these two symbols. */
#define __debug_trap_path __section(".text.debugtrap")
extern const char __debug_trap_start[], __debug_trap_end[];

/* The data that same path reads before the debugger clears DR7 (the debugger hook
 * itself): a watchpoint there would trap again on every #DB and #BP, down to a double
 * fault, so the stub refuses one. kernel.ld gathers it between these two symbols. */
#define __debug_trap_data __section(".data.debugtrap")
extern const char __debug_trap_data_start[], __debug_trap_data_end[];

/* Name of an exception vector ("#PF Page fault"); "reserved" for unassigned vectors. */
const char *trap_exception_name(unsigned vector);

/* Decode an exception error code into `buf` (always NUL-terminated): page-fault bits
 * for #PF, the selector fields for #TS/#NP/#SS/#GP/#DF/#AC; otherwise "none" for a zero
 * code and "not decoded" for others (the report prints the raw value too).
 * Pure; cannot fail. */
void trap_describe_error(unsigned vector, uint64_t error_code, char *buf, size_t len);

/* Print the full report of an exception (name, decoded error, CR2, registers,
 * backtrace) on every console. IRQ-safe; never blocks. */
void trap_report(const struct trap_frame *frame);

/* Reset the CPU the hard way: load an empty IDT and raise an exception, which can then
 * be neither delivered nor reported (a triple fault). Never returns. */
__noreturn void arch_triple_fault(void);

/* How many times each exception vector has been taken since boot. */
uint64_t trap_exception_count(unsigned vector);
#endif

#endif
