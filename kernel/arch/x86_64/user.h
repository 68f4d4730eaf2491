/*
 * user.h - ring 3: entering a user program and getting back. The kernel runs a user
 * program from one of its tasks' polls (kernel/proc/process.c) like a call:
 * user_run(frame) drops to ring 3 with the registers in `frame` and returns when the
 * program traps back - a `syscall`, an interrupt, or an exception - with the program's
 * registers saved in the same frame. Nothing else of the kernel runs in between, so
 * there is no scheduler here: the executor decides when to call user_run again.
 *
 *   frame's kernel stack (one per program)     the caller's stack (the executor's)
 *   +-------------------------------+ top      | ... poll's frame             |
 *   | struct trap_frame (ss .. r15) | <- TSS.rsp0 and cpu_local.kernel_rsp: the CPU
 *   +-------------------------------+    (interrupts) or syscall_entry builds it here
 *   | trap_dispatch's C frames      |    | rbx rbp r12-r15 rflags       | user_run saved
 *   | (interrupts from ring 3 only) |    +------------------------------+ <- kernel_return_rsp
 *
 * Entry through `syscall` (SDM Vol.2B SYSCALL; MSRs in Vol.3A 5.8.8), back through
 * `sysretq` when the program last left by `syscall`, otherwise through `iretq`.
 */
#ifndef LOCKSTEP_ARCH_USER_H
#define LOCKSTEP_ARCH_USER_H

#include "trap.h"

/* The vector field of a frame built by syscall_entry: no IDT vector has this number. */
#define TRAP_VECTOR_SYSCALL 0x100

/* The per-CPU block SWAPGS finds through IA32_KERNEL_GS_BASE; offsets for user_entry.S. */
#define CPU_LOCAL_KERNEL_RSP 0
#define CPU_LOCAL_USER_RSP   8
#define USER_EXIT_SYSCALL_VALUE 0      /* enum user_exit's first value, for user_entry.S */

#ifndef __ASSEMBLER__

struct cpu_local {
    uint64_t kernel_rsp;               /* top of the running program's kernel stack */
    uint64_t user_rsp;                 /* scratch: the program's rsp during syscall_entry */
};
ASSERT_OFFSET(struct cpu_local, kernel_rsp, CPU_LOCAL_KERNEL_RSP);
ASSERT_OFFSET(struct cpu_local, user_rsp, CPU_LOCAL_USER_RSP);

/* Whether [address, address + len) overlaps the data syscall_entry writes while the
 * user's rsp is still loaded (cpu_local): a watchpoint there would trap in ring 0 on the
 * program's stack, so the GDB stub refuses it. */
bool user_entry_data(uint64_t address, uint64_t len);

/* A program's data segment selectors. 64-bit mode ignores DS and ES, and every FS or
 * GS base a program can reach is 0, but a program may still load any of the four (null
 * or the user data selector, 0x1b) and read them back, and neither way back to ring 3
 * resets them: sysretq leaves them, iretq nulls only selectors more privileged than
 * ring 3 (SDM Vol.2A IRET). Left alone, they would pass from one program to whichever
 * runs next. So each program keeps its own, the way it keeps its general registers in
 * its trap frame: user_run loads them before it enters ring 3 and saves them when the
 * program comes back. All zero (null selectors) is what a new program starts with.
 * Who may touch: the program's task, between user_run calls. */
struct user_segments {
    uint16_t ds, es, fs, gs;
};

/* Why user_run returned. */
enum user_exit {
    USER_EXIT_SYSCALL = USER_EXIT_SYSCALL_VALUE,   /* frame->rax: the number; rdi, rsi,
                                                      rdx: the arguments */
    USER_EXIT_INTERRUPT,               /* an IRQ arrived in ring 3 (already handled) */
    USER_EXIT_FAULT,                   /* an exception in ring 3: frame->vector, error */
};

/* Turn on syscall/sysret and point LSTAR at the entry, and take the time-stamp counter
 * away from ring 3 (CR4.TSD: rdtsc there is a #GP), so that a program's only clock is
 * the uptime syscall and record/replay sees every way time reaches it. Call once at
 * boot, after gdt_init (the selectors STAR names). Cannot fail. */
void user_init(void);

/* A fresh frame for a program's first entry: rip, rsp, and rflags with IF as given
 * (interrupts in ring 3 preempt the program; without IF only its syscalls and faults
 * return to the kernel). Cannot fail. */
void user_frame_init(struct trap_frame *frame, uint64_t rip, uint64_t rsp, bool interrupts);

/* Run ring 3 from `frame`, which must sit at the very top of a kernel stack (the
 * program's: interrupts from ring 3 land there), with the data segment selectors in
 * `segments`, until it traps back. The page tables with the program must be live.
 * Returns why, with `frame` and `segments` updated; for a page fault *fault_address is
 * CR2. Not reentrant (one program runs at a time, on one CPU); the caller's RFLAGS (IF
 * included) are restored on return, and the program's selectors stay loaded until the
 * next user_run (the kernel does not use them). */
enum user_exit user_run(struct trap_frame *frame, struct user_segments *segments,
                        uint64_t *fault_address);

/* trap_dispatch, for a trap from ring 3 that it has handled (an IRQ) or reported
 * nothing about (an exception): return from user_run with `exit`. Never returns. */
__noreturn void user_trap_return(struct trap_frame *frame, enum user_exit exit);

/* True while `frame` is the frame of the program in ring 3 (trap_dispatch: is this a
 * trap from a user program, rather than an IST frame that interrupted ring 3?). */
bool user_frame_is_live(const struct trap_frame *frame);

#endif
#endif
