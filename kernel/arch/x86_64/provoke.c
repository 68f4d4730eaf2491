/*
 * provoke.c - CPU exceptions on purpose (provoke.h). Each function cites the SDM
 * section that says why its instruction faults (Vol.3A 6.15, "Exception and Interrupt
 * Reference", has one entry per vector).
 * The faulting instructions are written here as inline assembly rather than in cpu.h:
 * they exist only to fault, and nothing else in the kernel may ever call them. Control
 * registers and descriptor tables still go through cpu.h.
 */
#include "provoke.h"
#include "cpu.h"
#include "cpu_regs.h"
#include "descriptor.h"
#include "string.h"

/* Breakpoint 3's fields of DR7 (SDM Vol.3B 18.2.4; the layout is in cpu_regs.h). */
#define DR7_RW_LEN3_MASK (0xfull << DR7_RW_SHIFT(3)) /* RW3 (bits 28-29), LEN3 (30-31) */
#define DR7_RW3_EXECUTE  (0ull << DR7_RW_SHIFT(3))   /* RW3 = 00: break on execution */
#define DR7_LEN3_1       (0ull << DR7_LEN_SHIFT(3))  /* LEN3 = 00: 1 byte (execution needs it) */

#define X87_CW_ZERO_DIVIDE_UNMASKED 0x037b   /* FNINIT's 0x037f with ZM (bit 2) clear */
#define MXCSR_ZERO_DIVIDE_UNMASKED  0x1d80   /* power-up 0x1f80 with ZM (bit 9) clear */

__noinline int provoke_divide(volatile int a, volatile int b)
{
    return a / b;
}

__noinline uint64_t provoke_recursion(uint64_t depth)
{
    volatile uint8_t pad[256];
    pad[0] = (uint8_t)depth;
    if (depth == UINT64_MAX)
        return 0;
    return provoke_recursion(depth + 1) + pad[0];
}

/* The instruction breakpoint's target: a function of its own, so that its address is
 * known; the breakpoint fires before its first instruction runs. */
static __noinline void provoke_debug_breakpoint(void)
{
    barrier();
}

/* SDM Vol.3B 18.2.4 and 18.3.1.1: an instruction breakpoint in DR3 is a fault, #DB with
 * DR6.B3 set and RIP at the instruction. INT1 would be simpler, but QEMU 7.2's TCG
 * decodes it as an invalid opcode; a data breakpoint would do too, but under TCG the
 * stores that follow its hit to the same page raise #DB again and again. */
__noinline void provoke_debug(void)
{
    uint64_t dr7 = cpu_read_dr7() & ~(DR7_L(3) | DR7_G(3) | DR7_RW_LEN3_MASK);
    cpu_write_dr(3, (uint64_t)&provoke_debug_breakpoint);
    cpu_write_dr7(dr7 | DR7_L(3) | DR7_RW3_EXECUTE | DR7_LEN3_1);
    provoke_debug_breakpoint();                    /* #DB on its first instruction */
}

/* SDM Vol.3B 18.3.1.4: with RFLAGS.TF set, a trap-class #DB (DR6.BS) follows the next
 * instruction. popfq sets TF; the #DB comes after the nop. The frame's RFLAGS keeps TF,
 * so whoever handles it must clear TF before resuming (the ktest recovery does). */
__noinline void provoke_single_step(void)
{
    __asm__ __volatile__("pushfq\n\t"
                         "orq %0, (%%rsp)\n\t"
                         "popfq\n\t"
                         "nop" : : "i"(RFLAGS_TF) : "memory", "cc");
}

/* SDM Vol.3A 6.15 Interrupt 7: an x87 instruction while CR0.TS is set. FNOP would do
 * nothing at all if it ran: the fault is the whole effect. */
__noinline void provoke_device_not_available(void)
{
    cpu_write_cr0((cpu_read_cr0() & ~CR0_EM) | CR0_TS);
    __asm__ __volatile__("fnop" : : : "memory");
}

/* A copy of the kernel's GDT with one more slot, holding a writable ring-0 data
 * descriptor whose present bit is clear (SDM Vol.3A 3.4.5). */
static uint64_t spare_gdt[GDT_ENTRIES + 1] __aligned(16);

static void load_spare_gdt(void)
{
    struct descriptor_pointer live, spare;
    cpu_sgdt(&live);
    memcpy(spare_gdt, (const void *)live.base, GDT_ENTRIES * 8);
    spare_gdt[GDT_ENTRIES] = descriptor_segment(0, 0xfffff,
                                                SEG_CODE_DATA | SEG_RW | SEG_ACCESSED |
                                                SEG_DPL(0),
                                                SEG_FLAG_GRANULAR | SEG_FLAG_DB);
    spare.limit = sizeof(spare_gdt) - 1;
    spare.base = (uint64_t)spare_gdt;
    cpu_lgdt(&spare);
}

/* SDM Vol.3A 6.15 Interrupt 11, and Vol.2B MOV: loading DS, ES, FS or GS with a segment
 * marked not present raises #NP(selector). */
__noinline void provoke_segment_not_present(void)
{
    load_spare_gdt();
    __asm__ __volatile__("mov %w0, %%ds" : : "r"(PROVOKE_SPARE_SELECTOR) : "memory");
}

/* SDM Vol.3A 6.15 Interrupt 12, and Vol.2B MOV: loading SS with a segment marked not
 * present raises #SS(selector), not #NP. (The other #SS, a stack reference at a
 * non-canonical address, is a #GP under QEMU's TCG, which raises #GP for every
 * non-canonical address.) */
__noinline void provoke_stack_segment(void)
{
    load_spare_gdt();
    __asm__ __volatile__("mov %w0, %%ss" : : "r"(PROVOKE_SPARE_SELECTOR) : "memory");
}

/* SDM Vol.3A 6.15 Interrupt 13 and 3.3.7.1: a memory reference at a non-canonical
 * address (bits 63-47 not all equal) that does not use the stack segment. */
__noinline uint64_t provoke_general_protection(void)
{
    return *(volatile uint64_t *)0x8000000000000000ull;
}

/* IEEE 754 single precision 1.0 and 0.0, as bit patterns: the kernel has no float types
 * (-mgeneral-regs-only), only the instructions below read them as numbers. */
static const uint32_t one_f32 = 0x3f800000, zero_f32 = 0;

/* SDM Vol.3A 6.15 Interrupt 16 and Vol.1 8.7: with CR0.NE set, an unmasked x87 error
 * is signalled as #MF at the next waiting x87 instruction (here FWAIT), not at the
 * instruction that caused it. */
__noinline void provoke_x87_error(void)
{
    static const uint16_t control = X87_CW_ZERO_DIVIDE_UNMASKED;
    cpu_write_cr0((cpu_read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_NE);
    __asm__ __volatile__("fninit\n\t"
                         "fldcw %0\n\t"
                         "flds %1\n\t"
                         "fdivs %2\n\t"            /* st0 = 1.0 / 0.0: ZE, pending */
                         "fwait"                   /* #MF here */
                         : : "m"(control), "m"(one_f32), "m"(zero_f32) : "memory");
}

__noinline void provoke_x87_clear(void)
{
    __asm__ __volatile__("fninit" : : : "memory");
}

/* SDM Vol.3A 6.15 Interrupt 6 and Interrupt 19: an SSE instruction while CR4.OSFXSR is
 * clear is an invalid opcode; with it set, an unmasked SIMD floating-point error is #XM
 * if CR4.OSXMMEXCPT is set too (#UD if not). */
__noinline void provoke_simd_divide(void)
{
    static const uint32_t mxcsr = MXCSR_ZERO_DIVIDE_UNMASKED;
    __asm__ __volatile__("ldmxcsr %0\n\t"
                         "movss %1, %%xmm0\n\t"
                         "divss %2, %%xmm0"        /* 1.0 / 0.0 */
                         : : "m"(mxcsr), "m"(one_f32), "m"(zero_f32) : "memory");
}
