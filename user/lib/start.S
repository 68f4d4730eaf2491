/*
 * start.S - _start, the entry point of every user program (user/link.ld's ENTRY).
 * The kernel enters here in ring 3 with the System V process stack: rsp -> argc, then
 * argv[0..argc-1], NULL, then an empty envp (NULL); rsp is 16-byte aligned. _start calls
 * main(argc, argv) and passes its return value to exit (ulib.c), which does not return.
 */
    .cfi_sections .debug_frame  /* unwind info for GDB only: no .eh_frame to load */
    .text
    .globl _start
    .type _start, @function
_start:
    .cfi_startproc
    .cfi_undefined rip          /* no caller: GDB's backtrace ends here */
    xorl %ebp, %ebp             /* end of the frame-pointer chain, for backtraces */
    movq (%rsp), %rdi           /* argc (8 bytes; main takes the low 32 bits) */
    leaq 8(%rsp), %rsi          /* argv */
    /* Nothing pushed: rsp is still 16-byte aligned, as the ABI wants before a call. */
    call main
    movl %eax, %edi             /* main's return value is the exit code */
    call exit
    ud2                         /* exit returned: the kernel broke its contract */
    .cfi_endproc
    .size _start, . - _start

    /* The stack is not executable (ld warns about objects without this note). */
    .section .note.GNU-stack, "", @progbits
