/*
 * ktest_jump.S - setjmp/longjmp for the in-kernel tests (struct ktest_jump in ktest.h).
 * Saves only what the System V ABI says a callee preserves, plus RSP, the return
 * address and RFLAGS (so a jump out of an exception handler restores IF).
 */
    .text
    .globl ktest_setjmp
ktest_setjmp:
    movq %rbx, 0(%rdi)
    movq %rbp, 8(%rdi)
    movq %r12, 16(%rdi)
    movq %r13, 24(%rdi)
    movq %r14, 32(%rdi)
    movq %r15, 40(%rdi)
    leaq 8(%rsp), %rax                   /* RSP as it will be after we return */
    movq %rax, 48(%rdi)
    movq (%rsp), %rax                    /* our return address */
    movq %rax, 56(%rdi)
    pushfq
    popq %rax
    movq %rax, 64(%rdi)
    xorl %eax, %eax
    ret

    .globl ktest_longjmp
ktest_longjmp:
    movq 0(%rdi), %rbx
    movq 8(%rdi), %rbp
    movq 16(%rdi), %r12
    movq 24(%rdi), %r13
    movq 32(%rdi), %r14
    movq 40(%rdi), %r15
    movq 48(%rdi), %rsp
    pushq 64(%rdi)
    popfq
    movl %esi, %eax
    jmpq *56(%rdi)

/* ktest_call_on_stack(fn, arg, stack_top): run fn(arg) with RSP = stack_top (16-byte
 * aligned), then come back to the caller's stack. RBP keeps the caller's frame, so a
 * backtrace from inside fn still reaches the test. */
    .globl ktest_call_on_stack
ktest_call_on_stack:
    pushq %rbp
    movq %rsp, %rbp
    movq %rdx, %rsp
    movq %rdi, %rax
    movq %rsi, %rdi
    call *%rax
    movq %rbp, %rsp
    popq %rbp
    ret

    .section .note.GNU-stack, "", @progbits
