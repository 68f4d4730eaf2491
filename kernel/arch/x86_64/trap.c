/*
 * trap.c - the C side of every interrupt and exception (trap.h), and the arch hooks of
 * panic.h. Exceptions print a full report; #BP and NMI then resume, as does any fault a
 * recovery hook claims; everything else halts the kernel. IRQ vectors go to irq.c.
 * A trap from a user program in ring 3 (user.h) goes back to whoever ran it: after its
 * IRQ is handled, or at once for an exception, which that program's owner reports.
 * Runs with IRQs off (interrupt gates), on the interrupted stack or an IST stack.
 */
#include "trap.h"
#include "backtrace.h"
#include "cpu.h"
#include "irq.h"
#include "kprintf.h"
#include "ksyms.h"
#include "panic.h"
#include "trace.h"
#include "user.h"

static trap_recovery_fn recovery;                  /* IRQs off to change */
static trap_debugger_fn debugger __debug_trap_data;    /* set once at boot */

void trap_set_debugger(trap_debugger_fn fn)
{
    debugger = fn;
}
static trap_fault_describer_fn fault_describer;    /* IRQs off to change */
static uint64_t exception_counts[EXCEPTION_VECTORS];

void trap_set_recovery(trap_recovery_fn fn)
{
    recovery = fn;
}

void trap_set_fault_describer(trap_fault_describer_fn fn)
{
    fault_describer = fn;
}

uint64_t trap_exception_count(unsigned vector)
{
    return vector < EXCEPTION_VECTORS ? exception_counts[vector] : 0;
}

static void print_symbol(uint64_t address)
{
    uint64_t offset;
    const char *name = ksyms_lookup(address, &offset);
    if (name)
        kprintf(" <%s+0x%lx>", name, offset);
}

void trap_report(const struct trap_frame *f)
{
    unsigned vector = (unsigned)f->vector;
    char error[96];
    trap_describe_error(vector, f->error_code, error, sizeof(error));

    kprintf("\n" ANSI_RED "*** EXCEPTION %u: %s" ANSI_RESET " (%s mode)\n", vector,
            trap_exception_name(vector), (f->cs & 3) ? "user" : "kernel");
    kprintf("    error code 0x%lx: %s\n", f->error_code, error);
    if (vector == VECTOR_PAGE_FAULT)
        kprintf("    CR2 %016lx (the faulting address)\n", cpu_read_cr2());
    if (vector == VECTOR_PAGE_FAULT && fault_describer) {
        char where[160];
        fault_describer(cpu_read_cr2(), f->error_code, where, sizeof(where));
        kprintf("    %s\n", where);
    }
    kprintf("    RIP %016lx", f->rip);
    print_symbol(f->rip);
    kprintf("\n    CS %04lx  SS %04lx  RFLAGS %016lx\n", f->cs, f->ss, f->rflags);
    kprintf("    RAX %016lx  RBX %016lx  RCX %016lx\n", f->rax, f->rbx, f->rcx);
    kprintf("    RDX %016lx  RSI %016lx  RDI %016lx\n", f->rdx, f->rsi, f->rdi);
    kprintf("    RBP %016lx  RSP %016lx  R8  %016lx\n", f->rbp, f->rsp, f->r8);
    kprintf("    R9  %016lx  R10 %016lx  R11 %016lx\n", f->r9, f->r10, f->r11);
    kprintf("    R12 %016lx  R13 %016lx  R14 %016lx\n", f->r12, f->r13, f->r14);
    kprintf("    R15 %016lx  CR0 %016lx  CR3 %016lx\n", f->r15, cpu_read_cr0(),
            cpu_read_cr3());
    backtrace_print(f->rip, f->rbp);
}

static __debug_trap_path void exception(struct trap_frame *frame)
{
    unsigned vector = (unsigned)frame->vector;
    bool debug = vector == VECTOR_DEBUG || vector == VECTOR_BREAKPOINT;
    if (debug && debugger && debugger(frame))
        return;                            /* a breakpoint, watchpoint or step of GDB's */
    exception_counts[vector]++;
    TRACE(exception, .vector = (uint8_t)vector, .error_code = frame->error_code,
          .rip = frame->rip);
    if (user_frame_is_live(frame))         /* a user program's: it alone is killed */
        user_trap_return(frame, USER_EXIT_FAULT);
    trap_report(frame);
    if (vector == VECTOR_BREAKPOINT || vector == VECTOR_NMI) {
        kprintf("    (resuming)\n");
        return;
    }
    if (recovery && recovery(frame))
        return;
    if (!debug && debugger && debugger(frame))
        return;                            /* post-mortem: GDB moved the pc to go on */
    panic("unhandled exception %u (%s) at %016lx", vector, trap_exception_name(vector),
          frame->rip);
}

__debug_trap_path void trap_dispatch(struct trap_frame *frame)
{
    if (frame->vector < EXCEPTION_VECTORS)
        exception(frame);
    else if (frame->vector < IRQ_BASE_VECTOR + IRQ_LINES) {
        irq_dispatch(frame);
        /* From ring 3: back to the executor, since the IRQ may have woken someone. The
         * CPL test first keeps the kernel's own interrupts free of the call. */
        if ((frame->cs & 3) && user_frame_is_live(frame))
            user_trap_return(frame, USER_EXIT_INTERRUPT);
    } else
        panic("trap_dispatch: no stub installs vector %lu", frame->vector);
}

void arch_triple_fault(void)
{
    const struct descriptor_pointer empty = { .limit = 0, .base = 0 };
    cpu_cli();
    cpu_lidt(&empty);
    cpu_int3();
    arch_halt();                             /* not reached */
}

void arch_irq_disable(void)
{
    cpu_cli();
}

/* Starts at our caller (normally panic) and walks on from its frame. */
__noinline void arch_backtrace_here(void)
{
    const uint64_t *frame = __builtin_frame_address(0);    /* [0]: the caller's RBP */
    backtrace_print((uint64_t)__builtin_return_address(0), frame[0]);
}

void arch_halt(void)
{
    for (;;) {
        cpu_cli();
        cpu_hlt();
    }
}
