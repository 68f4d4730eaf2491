/*
 * isr.S - one stub per vector 0-47 and the common path that builds a struct trap_frame
 * (trap.h) and calls trap_dispatch. Stubs for vectors without a CPU error code push a 0
 * so that every frame has the same shape. The CPU aligned RSP to 16 before pushing its
 * frame (SDM Vol.3A 6.14.2); 22 quadwords keep it aligned for the call into C.
 */
#include "trap.h"

/* Vectors for which the CPU pushes an error code (SDM Vol.3A Table 6-1). */
#define HAS_ERROR_CODE(n) ((n) == 8 || (n) == 10 || (n) == 11 || (n) == 12 || (n) == 13 || \
                           (n) == 14 || (n) == 17 || (n) == 21 || (n) == 29 || (n) == 30)

    .cfi_sections .debug_frame           /* debug info only: kernel.ld drops .eh_frame */
    /* The common path and the #DB and #BP stubs are on the debug trap path (trap.h). */
    .section .text.debugtrap, "ax", @progbits
    .balign 16
    /* A sized global function, so that GDB names this address isr_common rather than
     * kernel.ld's __text_start or __debug_trap_start. */
    .globl isr_common
    .type isr_common, @function
isr_common:
    /* Unwind information (DWARF CFI), so that GDB's `bt` inside a handler goes on into
     * the code the interrupt stopped: the CFA is the top of the trap frame, and every
     * interrupted register is read from its slot in it (TRAP_PUSH_REGS records them). */
    .cfi_startproc simple
    .cfi_signal_frame
    .cfi_def_cfa %rsp, TRAP_FRAME_SIZE - TRAP_FRAME_VECTOR
    .cfi_offset %rip, TRAP_FRAME_RIP - TRAP_FRAME_SIZE
    .cfi_offset %rsp, TRAP_FRAME_RSP - TRAP_FRAME_SIZE
    TRAP_PUSH_REGS cfi=1
    movq %rsp, %rdi
    cld
    call trap_dispatch
    TRAP_POP_REGS
    addq $16, %rsp                       /* vector and error code */
    iretq
    .cfi_endproc
    .size isr_common, . - isr_common

.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    .if (\n) == 1 || (\n) == 3
    .section .text.debugtrap, "ax", @progbits
    .else
    .text
    .endif
    .balign 16
isr_stub_\n:
    .if !HAS_ERROR_CODE(\n)
    pushq $0
    .endif
    pushq $\n
    jmp isr_common
.endr

    .section .rodata
    .balign 8
    .globl isr_stub_table
isr_stub_table:                          /* TRAP_STUB_VECTORS entry addresses for idt.c */
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    .quad isr_stub_\n
.endr

    .section .note.GNU-stack, "", @progbits
