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

    .text
    .balign 16
isr_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, %rdi
    cld
    call trap_dispatch
    .globl isr_return
isr_return:
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp                       /* vector and error code */
    iretq

.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
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
