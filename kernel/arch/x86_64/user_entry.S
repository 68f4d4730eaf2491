/*
 * user_entry.S - the three doors between ring 0 and ring 3 (user.h):
 *   user_enter         from user_run: save the caller's callee-saved registers and
 *                      flags, then load the program's frame and sysretq or iretq;
 *   syscall_entry      LSTAR: the `syscall` instruction lands here with the user's rsp
 *                      still loaded and IF, TF, DF, AC cleared by FMASK; it builds a
 *                      struct trap_frame at the top of the program's kernel stack;
 *   user_trap_return   from either path: return from user_enter with the exit reason.
 * The kernel never runs with the user's GS base: syscall_entry swaps only long enough
 * to read and write cpu_local (SWAPGS, SDM Vol.2B), so interrupts need no SWAPGS.
 *
 * The doors are on the debug trap path (trap.h), where GDB may put no breakpoint: the
 * first instructions of syscall_entry and user_enter's sysretq run in ring 0 with the
 * user's rsp, and a #BP or #DB there would push its frame on the program's stack (or,
 * for a bad rsp, double fault): #DB has no IST stack here. The other debug traps:
 *   - a single step cannot land in that window: `syscall` clears TF (FMASK), and
 *     user_enter leaves through iretq while TF or DR7 is set;
 *   - a watchpoint on what syscall_entry writes there (cpu_local) is refused by the
 *     stub (user_entry_data);
 *   - a watchpoint on a user address can: if the program loads SS from the watched
 *     variable just before `syscall` (`mov var, %ss; syscall`), the mov to SS holds
 *     the #DB back for one instruction, and real hardware delivers it after `syscall`,
 *     at syscall_entry's first instruction, in ring 0 on the user's stack
 *     (CVE-2018-8897, SDM Vol.3A 6.8.3). QEMU 7.2, which Lockstep runs on, raises it in
 *     ring 3 at the `syscall` instead (user/movss.c under tests/gdb pins that), so the
 *     window holds there. On hardware it would not: #DB would need an IST stack, as
 *     Linux gives it, or the stub would have to refuse watchpoints on user addresses.
 */
#include "cpu_regs.h"
#include "layout.h"
#include "trap.h"
#include "user.h"

    .section .text.debugtrap, "ax", @progbits

/* enum user_exit user_enter(struct trap_frame *frame, bool sysret) */
    .globl user_enter
    .balign 16
user_enter:
    pushq %rbp
    movq %rsp, %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    pushfq
    cli                                  /* no interrupt until ring 3 (IF comes from the frame) */
    /* RFLAGS.TF is set here only while GDB single-steps into user_enter. The saved flags
     * drop it: user_trap_return's popfq would otherwise set it again when the program
     * comes back, long after that step, and trap. */
    movq (%rsp), %rax
    andq $~RFLAGS_TF, (%rsp)
    movq %rsp, kernel_return_rsp(%rip)
    movq %rdi, %rsp                      /* the frame: the top of the program's kernel stack */
    testb %sil, %sil
    jz 1f
    /* sysretq needs the user's rsp loaded one instruction before it leaves ring 0, and a
     * debug trap between the two would take it on the user's stack: a single step (TF,
     * in rax) or a data breakpoint on the frame's rsp (DR7's enables). While GDB steps
     * or watches, take iretq, which changes rsp and ring at once. */
    testl $RFLAGS_TF, %eax
    jnz 1f
    movq %dr7, %rax
    testb $DR7_ENABLES, %al
    jnz 1f
    TRAP_POP_REGS
    /* sysretq: RIP from rcx, RFLAGS from r11, CS/SS from STAR (both syscall-clobbered) */
    movq TRAP_FRAME_RIP - TRAP_FRAME_VECTOR(%rsp), %rcx
    movq TRAP_FRAME_RIP - TRAP_FRAME_VECTOR + 16(%rsp), %r11
    movq TRAP_FRAME_RSP - TRAP_FRAME_VECTOR(%rsp), %rsp
    sysretq
1:  TRAP_POP_REGS                        /* iretq: the whole frame */
    addq $16, %rsp                       /* vector and error code */
    iretq

/* Entered from ring 3 by `syscall`: rcx = user rip, r11 = user rflags, IF = 0. */
    .globl syscall_entry
    .balign 16
syscall_entry:
    swapgs                               /* GS base: cpu_local */
    movq %rsp, %gs:CPU_LOCAL_USER_RSP
    movq %gs:CPU_LOCAL_KERNEL_RSP, %rsp
    pushq $(GDT_USER_DATA | 3)           /* ss: the frame an interrupt would have built */
    pushq %gs:CPU_LOCAL_USER_RSP         /* rsp */
    swapgs                               /* GS base: the user's again */
    pushq %r11                           /* rflags */
    pushq $(GDT_USER_CODE | 3)           /* cs */
    pushq %rcx                           /* rip */
    pushq $0                             /* error code */
    pushq $TRAP_VECTOR_SYSCALL           /* vector */
    TRAP_PUSH_REGS
    movq %rsp, %rdi
    movl $USER_EXIT_SYSCALL_VALUE, %esi
    jmp user_trap_return

/* __noreturn void user_trap_return(struct trap_frame *frame, enum user_exit exit):
 * the program's registers are in its frame already; drop everything on its kernel
 * stack and return from user_enter on the caller's stack, flags restored. */
    .globl user_trap_return
    .balign 16
user_trap_return:
    movl %esi, %eax
    movq kernel_return_rsp(%rip), %rsp
    popfq
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

    .bss
    .balign 8
kernel_return_rsp:                       /* user_enter's stack while ring 3 runs */
    .quad 0

    .section .note.GNU-stack, "", @progbits
