/*
 * cpu.h - every inline assembly instruction the kernel uses, one function each.
 * Nothing else in the kernel writes `asm` (but provoke.c's deliberately faulting
 * instructions, which nothing may call): port I/O, control registers, MSRs, descriptor
 * table loads, interrupt flag and halt all come through here (xv6 x86.h style).
 * All functions are IRQ-safe and cannot fail (a bad MSR number faults with #GP).
 */
#ifndef LOCKSTEP_ARCH_CPU_H
#define LOCKSTEP_ARCH_CPU_H

#include "compiler.h"
#include "cpu_regs.h"

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ __volatile__("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ __volatile__("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline void outw(uint16_t port, uint16_t value)
{
    __asm__ __volatile__("outw %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t value;
    __asm__ __volatile__("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline void outl(uint16_t port, uint32_t value)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(value), "Nd"(port));
}

/* A write to an unused port: about 1 us of delay for slow ISA devices (the 8259). */
static inline void io_wait(void)
{
    outb(0x80, 0);
}

static inline void cpu_cli(void)
{
    __asm__ __volatile__("cli" : : : "memory");
}

static inline void cpu_sti(void)
{
    __asm__ __volatile__("sti" : : : "memory");
}

static inline void cpu_hlt(void)
{
    __asm__ __volatile__("hlt" : : : "memory");
}

/* Enable interrupts and halt as one step: an interrupt that arrives after `sti` wakes the
 * `hlt` (sti's one-instruction interrupt shadow, SDM Vol.2B STI), so no wakeup is lost. */
static inline void cpu_sti_hlt(void)
{
    __asm__ __volatile__("sti; hlt" : : : "memory");
}

/* Let a pending interrupt in, at the nop (sti takes effect after the next instruction). */
static inline void cpu_sti_nop(void)
{
    __asm__ __volatile__("sti; nop" : : : "memory");
}

static inline void cpu_pause(void)
{
    __asm__ __volatile__("pause");
}

static inline void cpu_int3(void)
{
    __asm__ __volatile__("int3" : : : "memory");
}

static inline void cpu_ud2(void)
{
    __asm__ __volatile__("ud2" : : : "memory");
}

static inline uint64_t cpu_read_rflags(void)
{
    uint64_t rflags;
    __asm__ __volatile__("pushfq; popq %0" : "=r"(rflags) : : "memory");
    return rflags;
}

/* Disable interrupts and return the previous RFLAGS for cpu_irq_restore(). */
static inline uint64_t cpu_irq_save(void)
{
    uint64_t rflags = cpu_read_rflags();
    cpu_cli();
    return rflags;
}

static inline void cpu_irq_restore(uint64_t rflags)
{
    if (rflags & RFLAGS_IF)
        cpu_sti();
    else
        cpu_cli();
}

/* Let pending interrupts in for one instruction: sti takes effect after the next
 * instruction (SDM Vol.2B STI), so they are taken between the nop and the cli. */
static inline void cpu_interrupt_window(void)
{
    __asm__ __volatile__("sti; nop; cli" : : : "memory");
}

/* Software interrupts on the PIC's first two vectors (replay injects through them). */
static inline void cpu_int32(void)
{
    __asm__ __volatile__("int $32" : : : "memory");
}

static inline void cpu_int33(void)
{
    __asm__ __volatile__("int $33" : : : "memory");
}

static inline uint64_t cpu_read_cr0(void)
{
    uint64_t value;
    __asm__ __volatile__("mov %%cr0, %0" : "=r"(value));
    return value;
}

static inline void cpu_write_cr0(uint64_t value)
{
    __asm__ __volatile__("mov %0, %%cr0" : : "r"(value) : "memory");
}

static inline uint64_t cpu_read_cr2(void)
{
    uint64_t value;
    __asm__ __volatile__("mov %%cr2, %0" : "=r"(value));
    return value;
}

static inline uint64_t cpu_read_cr3(void)
{
    uint64_t value;
    __asm__ __volatile__("mov %%cr3, %0" : "=r"(value));
    return value;
}

static inline void cpu_write_cr3(uint64_t value)
{
    __asm__ __volatile__("mov %0, %%cr3" : : "r"(value) : "memory");
}

static inline uint64_t cpu_read_cr4(void)
{
    uint64_t value;
    __asm__ __volatile__("mov %%cr4, %0" : "=r"(value));
    return value;
}

static inline void cpu_write_cr4(uint64_t value)
{
    __asm__ __volatile__("mov %0, %%cr4" : : "r"(value) : "memory");
}

static inline uint64_t cpu_read_rbp(void)
{
    uint64_t value;
    __asm__ __volatile__("mov %%rbp, %0" : "=r"(value));
    return value;
}

static inline uint64_t cpu_read_rsp(void)
{
    uint64_t value;
    __asm__ __volatile__("mov %%rsp, %0" : "=r"(value));
    return value;
}

static inline uint64_t cpu_rdmsr(uint32_t msr)
{
    uint32_t low, high;
    __asm__ __volatile__("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
    return ((uint64_t)high << 32) | low;
}

static inline void cpu_wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static inline void cpu_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t *eax, uint32_t *ebx,
                             uint32_t *ecx, uint32_t *edx)
{
    __asm__ __volatile__("cpuid" : "=a"(*eax), "=b"(*ebx), "=c"(*ecx), "=d"(*edx)
                         : "a"(leaf), "c"(subleaf));
}

static inline void cpu_invlpg(uint64_t virt)
{
    __asm__ __volatile__("invlpg (%0)" : : "r"(virt) : "memory");
}

/* The 10-byte operand of lgdt/lidt/sgdt/sidt (SDM Vol.3A 3.5.1, 6.10). */
struct descriptor_pointer {
    uint16_t limit;
    uint64_t base;
} __packed;
ASSERT_SIZE(struct descriptor_pointer, 10);

static inline void cpu_lgdt(const struct descriptor_pointer *pointer)
{
    __asm__ __volatile__("lgdt %0" : : "m"(*pointer));
}

static inline void cpu_lidt(const struct descriptor_pointer *pointer)
{
    __asm__ __volatile__("lidt %0" : : "m"(*pointer));
}

static inline void cpu_sgdt(struct descriptor_pointer *pointer)
{
    __asm__ __volatile__("sgdt %0" : "=m"(*pointer));
}

static inline void cpu_sidt(struct descriptor_pointer *pointer)
{
    __asm__ __volatile__("sidt %0" : "=m"(*pointer));
}

static inline void cpu_ltr(uint16_t selector)
{
    __asm__ __volatile__("ltr %0" : : "r"(selector));
}

static inline uint16_t cpu_str(void)
{
    uint16_t selector;
    __asm__ __volatile__("str %0" : "=r"(selector));
    return selector;
}

/* Debug registers (SDM Vol.3B 18.2): DR0-DR3 addresses, DR6 status, DR7 control. */
static inline uint64_t cpu_read_dr6(void)
{
    uint64_t value;
    __asm__ __volatile__("mov %%dr6, %0" : "=r"(value));
    return value;
}

static inline void cpu_write_dr6(uint64_t value)
{
    __asm__ __volatile__("mov %0, %%dr6" : : "r"(value));
}

static inline uint64_t cpu_read_dr7(void)
{
    uint64_t value;
    __asm__ __volatile__("mov %%dr7, %0" : "=r"(value));
    return value;
}

/* A memory clobber: no load or store moves across a write to DR7, so what follows a
 * clear is never watched. */
static inline void cpu_write_dr7(uint64_t value)
{
    __asm__ __volatile__("mov %0, %%dr7" : : "r"(value) : "memory");
}

/* DR0-DR3: `mov` to a debug register needs the number in the instruction. */
static inline void cpu_write_dr(unsigned n, uint64_t value)
{
    switch (n) {
    case 0: __asm__ __volatile__("mov %0, %%dr0" : : "r"(value)); break;
    case 1: __asm__ __volatile__("mov %0, %%dr1" : : "r"(value)); break;
    case 2: __asm__ __volatile__("mov %0, %%dr2" : : "r"(value)); break;
    case 3: __asm__ __volatile__("mov %0, %%dr3" : : "r"(value)); break;
    default: break;
    }
}

static inline uint16_t cpu_read_ds(void)
{
    uint16_t selector;
    __asm__ __volatile__("mov %%ds, %0" : "=r"(selector));
    return selector;
}

static inline uint16_t cpu_read_es(void)
{
    uint16_t selector;
    __asm__ __volatile__("mov %%es, %0" : "=r"(selector));
    return selector;
}

static inline uint16_t cpu_read_fs(void)
{
    uint16_t selector;
    __asm__ __volatile__("mov %%fs, %0" : "=r"(selector));
    return selector;
}

static inline uint16_t cpu_read_gs(void)
{
    uint16_t selector;
    __asm__ __volatile__("mov %%gs, %0" : "=r"(selector));
    return selector;
}

/* Load a data segment register. In ring 0 any selector ring 3 could load loads too
 * (the check is DPL >= max(CPL, RPL), SDM Vol.3A 5.7); a null one never faults. */
static inline void cpu_write_ds(uint16_t selector)
{
    __asm__ __volatile__("mov %0, %%ds" : : "r"(selector));
}

static inline void cpu_write_es(uint16_t selector)
{
    __asm__ __volatile__("mov %0, %%es" : : "r"(selector));
}

/* In 64-bit mode this also loads the FS base from the descriptor (or, for a null
 * selector, leaves or clears it, by vendor; SDM Vol.3A 3.4.4). */
static inline void cpu_write_fs(uint16_t selector)
{
    __asm__ __volatile__("mov %0, %%fs" : : "r"(selector));
}

/* As cpu_write_fs, for GS and its base. */
static inline void cpu_write_gs(uint16_t selector)
{
    __asm__ __volatile__("mov %0, %%gs" : : "r"(selector));
}

static inline uint16_t cpu_read_cs(void)
{
    uint16_t selector;
    __asm__ __volatile__("mov %%cs, %0" : "=r"(selector));
    return selector;
}

/* Reload CS (through a far return) and the data segment registers after lgdt. */
static inline void cpu_reload_segments(uint16_t code, uint16_t data)
{
    __asm__ __volatile__(
        "pushq %q0\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "mov %w1, %%ds\n\t"
        "mov %w1, %%es\n\t"
        "mov %w1, %%ss\n\t"
        : : "r"((uint64_t)code), "r"(data) : "rax", "memory");
}

#endif
