/*
 * user.c - the C side of ring 3 (user.h): the syscall MSRs, first frames, and the
 * bookkeeping around user_entry.S's doors. One CPU, one program in ring 3 at a time:
 * `live` names the frame of the program now in ring 3, NULL while the kernel runs.
 */
#include "user.h"
#include "cpu.h"
#include "cpu_regs.h"
#include "gdt.h"
#include "layout.h"
#include "paging.h"
#include "string.h"

extern char syscall_entry[];
enum user_exit user_enter(struct trap_frame *frame, bool sysret);

static struct cpu_local cpu_local;             /* IRQs off (only user_run writes) */
static struct trap_frame *live;                /* IRQs off */

void user_init(void)
{
    cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_SCE);
    /* syscall: CS = STAR[47:32], SS = +8. sysretq: SS = STAR[63:48] + 8, CS = + 16,
     * both with RPL 3 - the user data and code selectors (layout.h fixes the order). */
    cpu_wrmsr(MSR_STAR, ((uint64_t)(GDT_USER_DATA - 8) << 48) |
                        ((uint64_t)GDT_KERNEL_CODE << 32));
    cpu_wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    /* Enter the kernel with interrupts off (the entry switches stacks first), no
     * single-stepping, string ops forwards, and no I/O privilege, as Linux does. */
    cpu_wrmsr(MSR_FMASK, RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT |
                         RFLAGS_AC);
    cpu_wrmsr(MSR_GS_BASE, 0);
    cpu_wrmsr(MSR_KERNEL_GS_BASE, (uint64_t)&cpu_local);
    cpu_write_cr4(cpu_read_cr4() | CR4_TSD);
    /* No x87 or MMX either (SSE is off: CR4.OSFXSR clear). The kernel saves no FPU
     * state, so a program would read what the last one left in those registers. With
     * CR0.EM set and MP clear, x87 instructions raise #NM and MMX ones #UD (SDM Vol.3A
     * 2.5, 9.2.1, 12.1), and the program is killed like any other faulting one. */
    cpu_write_cr0((cpu_read_cr0() | CR0_EM) & ~CR0_MP);
}

bool user_entry_data(uint64_t address, uint64_t len)
{
    uint64_t start = (uint64_t)(uintptr_t)&cpu_local;
    return address < start + sizeof(cpu_local) && address + len > start;
}

void user_frame_init(struct trap_frame *frame, uint64_t rip, uint64_t rsp, bool interrupts)
{
    memset(frame, 0, sizeof(*frame));
    frame->rip = rip;
    frame->rsp = rsp;
    frame->cs = GDT_USER_CODE | 3;
    frame->ss = GDT_USER_DATA | 3;
    frame->rflags = RFLAGS_RESERVED1 | (interrupts ? RFLAGS_IF : 0);
}

enum user_exit user_run(struct trap_frame *frame, struct user_segments *segments,
                        uint64_t *fault_address)
{
    uint64_t top = (uint64_t)(frame + 1);
    /* sysretq only for a frame that `syscall` built, and only to a user address:
     * sysretq to a non-canonical RIP faults in ring 0 (USER_END keeps RIP below the
     * hole; the check keeps it so whoever edits the frame, GDB included). */
    bool sysret = frame->vector == TRAP_VECTOR_SYSCALL && frame->rip < USER_END &&
                  frame->cs == (GDT_USER_CODE | 3) && frame->ss == (GDT_USER_DATA | 3);
    uint64_t flags = cpu_irq_save();
    gdt_tss()->rsp[0] = top;                   /* interrupts from ring 3 */
    cpu_local.kernel_rsp = top;                /* syscall_entry */
    live = frame;
    /* This program's data selectors, not the last one's (struct user_segments). The
     * kernel runs on with them: 64-bit mode ignores DS and ES, and nothing in the
     * kernel uses FS or GS (syscall_entry reaches cpu_local through SWAPGS). Anything
     * ring 3 could load, ring 0 can load back (cpu_write_ds). */
    cpu_write_ds(segments->ds);
    cpu_write_es(segments->es);
    cpu_write_fs(segments->fs);
    cpu_write_gs(segments->gs);
    cpu_irq_restore(flags);

    enum user_exit exit = user_enter(frame, sysret);

    /* Nothing between the trap and here loads a data selector (no interrupt handler
     * does either), so the CPU's are still the program's. */
    segments->ds = cpu_read_ds();
    segments->es = cpu_read_es();
    segments->fs = cpu_read_fs();
    segments->gs = cpu_read_gs();

    /* Nothing has run since the trap that could fault, so CR2 is still the
     * program's faulting address. */
    if (exit == USER_EXIT_FAULT && frame->vector == VECTOR_PAGE_FAULT && fault_address)
        *fault_address = cpu_read_cr2();
    live = NULL;
    return exit;
}

bool user_frame_is_live(const struct trap_frame *frame)
{
    return frame == live && (frame->cs & 3) == 3;
}
