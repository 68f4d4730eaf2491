/*
 * gdt.c - the GDT and TSS (SDM Vol.3A 3.4, 7.7). In long mode segmentation is mostly
 * off: code descriptors select 64-bit mode and the privilege level, data descriptors
 * are placeholders for SS/DS, and the TSS only supplies stacks: rsp0 for ring 3 -> 0
 * transitions and the IST stacks that double fault, NMI and machine check always use,
 * so that they run on a known-good stack even when the kernel stack has overflowed.
 * Called by kmain once, with IRQs off.
 */
#include "gdt.h"
#include "cpu.h"

extern char boot_stack_top[];
extern char ist_double_fault_top[], ist_nmi_top[], ist_machine_check_top[];

static uint64_t gdt[GDT_ENTRIES] __aligned(16);   /* written only by gdt_init */
static struct tss tss __aligned(16);               /* rsp[0]: IRQs off */

void gdt_init(void)
{
    /* The accessed bit is preset, as Linux does: otherwise the CPU writes it into the
     * GDT on the first segment load, and the table could not be read-only. */
    const uint8_t code = SEG_PRESENT | SEG_CODE_DATA | SEG_EXECUTABLE | SEG_RW | SEG_ACCESSED;
    const uint8_t data = SEG_PRESENT | SEG_CODE_DATA | SEG_RW | SEG_ACCESSED;

    gdt[0] = 0;
    gdt[GDT_KERNEL_CODE / 8] = descriptor_segment(0, 0xfffff, code | SEG_DPL(0),
                                                  SEG_FLAG_GRANULAR | SEG_FLAG_LONG);
    gdt[GDT_KERNEL_DATA / 8] = descriptor_segment(0, 0xfffff, data | SEG_DPL(0),
                                                  SEG_FLAG_GRANULAR | SEG_FLAG_DB);
    gdt[GDT_USER_DATA / 8] = descriptor_segment(0, 0xfffff, data | SEG_DPL(3),
                                                SEG_FLAG_GRANULAR | SEG_FLAG_DB);
    gdt[GDT_USER_CODE / 8] = descriptor_segment(0, 0xfffff, code | SEG_DPL(3),
                                                SEG_FLAG_GRANULAR | SEG_FLAG_LONG);

    tss.rsp[0] = (uint64_t)boot_stack_top;
    tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)ist_double_fault_top;
    tss.ist[IST_NMI - 1] = (uint64_t)ist_nmi_top;
    tss.ist[IST_MACHINE_CHECK - 1] = (uint64_t)ist_machine_check_top;
    tss.iomap_base = sizeof(tss);                  /* no I/O bitmap: ring 3 gets no ports */
    descriptor_system((uint64_t)&tss, sizeof(tss) - 1, SEG_PRESENT | SEG_TYPE_TSS_AVAILABLE,
                      &gdt[GDT_TSS / 8]);

    struct descriptor_pointer pointer = { .limit = sizeof(gdt) - 1, .base = (uint64_t)gdt };
    cpu_lgdt(&pointer);
    cpu_reload_segments(GDT_KERNEL_CODE, GDT_KERNEL_DATA);
    cpu_ltr(GDT_TSS);
}

const uint64_t *gdt_entries(void)
{
    return gdt;
}

struct tss *gdt_tss(void)
{
    return &tss;
}
