/*
 * cpu_regs.h - the x86_64 register bits the kernel uses, one place for C and .S files:
 * RFLAGS, CR0, CR4, the MSR numbers, EFER, DR6 and DR7. Only #defines, so that boot.S
 * and user_entry.S include it as well (the Makefile runs .S files through the C
 * preprocessor). CPU_BIT is 64 bits wide in C; in assembly it is a plain shift, since
 * the assembler does not take a `ull` suffix (the .S users need no bit above 31).
 * The instructions that read and write these registers are in cpu.h, which includes this.
 */
#ifndef LOCKSTEP_ARCH_CPU_REGS_H
#define LOCKSTEP_ARCH_CPU_REGS_H

#ifdef __ASSEMBLER__
#define CPU_BIT(n)          (1 << (n))
#else
#define CPU_BIT(n)          (1ull << (n))
#endif

/* RFLAGS (SDM Vol.1 3.4.3; system flags in Vol.3A 2.3). */
#define RFLAGS_RESERVED1    CPU_BIT(1)      /* always 1 */
#define RFLAGS_TF           CPU_BIT(8)      /* single step */
#define RFLAGS_IF           CPU_BIT(9)      /* interrupts enabled */
#define RFLAGS_DF           CPU_BIT(10)     /* string instructions count down */
#define RFLAGS_IOPL         (CPU_BIT(12) | CPU_BIT(13)) /* I/O privilege level, 2 bits */
#define RFLAGS_NT           CPU_BIT(14)     /* nested task */
#define RFLAGS_RF           CPU_BIT(16)     /* resume: no instruction breakpoint once */
#define RFLAGS_AC           CPU_BIT(18)     /* alignment check (ring 3, with CR0.AM) */

/* CR0 (SDM Vol.3A 2.5). */
#define CR0_PE              CPU_BIT(0)      /* protected mode */
#define CR0_MP              CPU_BIT(1)      /* monitor coprocessor: WAIT obeys CR0.TS */
#define CR0_EM              CPU_BIT(2)      /* x87 emulation: x87 and SSE instructions fault */
#define CR0_TS              CPU_BIT(3)      /* task switched: the next x87 instruction #NMs */
#define CR0_NE              CPU_BIT(5)      /* numeric error: x87 errors as #MF, not IRQ 13 */
#define CR0_WP              CPU_BIT(16)     /* write protect: ring 0 obeys read-only pages */
#define CR0_PG              CPU_BIT(31)     /* paging */

/* CR4 (SDM Vol.3A 2.5). */
#define CR4_TSD             CPU_BIT(2)      /* rdtsc/rdtscp in ring 0 only */
#define CR4_PAE             CPU_BIT(5)      /* physical address extension (long mode) */
#define CR4_OSFXSR          CPU_BIT(9)      /* SSE instructions allowed */

/* MSR numbers, for rdmsr/wrmsr (SDM Vol.4 Table 2-2). */
#define MSR_EFER            0xc0000080      /* extended features: EFER_* below */
#define MSR_STAR            0xc0000081  /* [47:32] kernel CS, [63:48] sysret base selector */
#define MSR_LSTAR           0xc0000082      /* the 64-bit syscall entry point */
#define MSR_FMASK           0xc0000084      /* RFLAGS bits syscall clears */
#define MSR_FS_BASE         0xc0000100
#define MSR_GS_BASE         0xc0000101
#define MSR_KERNEL_GS_BASE  0xc0000102      /* swapped with GS_BASE by SWAPGS */

/* EFER, MSR_EFER (SDM Vol.3A 2.2.1, Table 2-1). */
#define EFER_SCE            CPU_BIT(0)      /* syscall/sysret enable */
#define EFER_LME            CPU_BIT(8)      /* long mode enable (active once CR0.PG is set) */
#define EFER_NXE            CPU_BIT(11)     /* execute-disable bit enable */

/* DR6, debug status (SDM Vol.3B 18.2.3). */
#define DR6_B(n)            CPU_BIT(n)      /* breakpoint n (0-3) fired */
#define DR6_BS              CPU_BIT(14)     /* single step */

/* DR7, debug control (SDM Vol.3B 18.2.4); n is the breakpoint, 0-3. */
#define DR7_L(n)            CPU_BIT(2 * (n))      /* local enable of breakpoint n */
#define DR7_G(n)            CPU_BIT(2 * (n) + 1)  /* global enable of breakpoint n */
#define DR7_ENABLES         0xff                  /* L0-L3 and G0-G3: any breakpoint on */
#define DR7_RW_SHIFT(n)     (16 + 4 * (n))  /* 2 bits: 00 execute, 01 write, 11 read/write */
#define DR7_LEN_SHIFT(n)    (18 + 4 * (n))  /* 2 bits: 00 1 byte, 01 2, 11 4, 10 8 */

#endif
