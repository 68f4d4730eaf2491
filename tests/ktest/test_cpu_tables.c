/*
 * test_cpu_tables.c - the live GDT, TSS and IDT hold what the SDM says they must.
 * Descriptor values are the ones worked out by hand in tests/unit/test_descriptor.c.
 */
#include "cpu.h"
#include "gdt.h"
#include "idt.h"
#include "ktest.h"
#include "trap.h"

extern char ist_double_fault_top[], ist_nmi_top[], ist_machine_check_top[];
extern const uint64_t isr_stub_table[];

KTEST(gdt_contents)
{
    const uint64_t *gdt = gdt_entries();
    KCHECK_EQ(gdt[0], 0);
    KCHECK_EQ(gdt[GDT_KERNEL_CODE / 8], 0x00af9b000000ffff);
    KCHECK_EQ(gdt[GDT_KERNEL_DATA / 8], 0x00cf93000000ffff);
    KCHECK_EQ(gdt[GDT_USER_DATA / 8], 0x00cff3000000ffff);
    KCHECK_EQ(gdt[GDT_USER_CODE / 8], 0x00affb000000ffff);

    struct descriptor_pointer p;
    cpu_sgdt(&p);
    KCHECK_EQ(p.base, (uint64_t)gdt);
    KCHECK_EQ(p.limit, GDT_ENTRIES * 8 - 1);
    KCHECK_EQ(cpu_read_cs(), GDT_KERNEL_CODE);
}

KTEST(tss_descriptor_and_ist_stacks)
{
    const uint64_t *gdt = gdt_entries();
    uint64_t tss = (uint64_t)gdt_tss();
    uint64_t low = gdt[GDT_TSS / 8], high = gdt[GDT_TSS / 8 + 1];
    uint64_t base = ((low >> 16) & 0xffffff) | (((low >> 56) & 0xff) << 24) | (high << 32);
    KCHECK_EQ(base, tss);
    KCHECK_EQ(low & 0xffff, 103);                     /* limit: sizeof(struct tss) - 1 */
    KCHECK_EQ((low >> 40) & 0xff, 0x8b);              /* present, 64-bit TSS, busy */
    KCHECK_EQ(cpu_str(), GDT_TSS);
    KCHECK_EQ(gdt_tss()->ist[IST_DOUBLE_FAULT - 1], (uint64_t)ist_double_fault_top);
    KCHECK_EQ(gdt_tss()->ist[IST_NMI - 1], (uint64_t)ist_nmi_top);
    KCHECK_EQ(gdt_tss()->ist[IST_MACHINE_CHECK - 1], (uint64_t)ist_machine_check_top);
}

KTEST(idt_gates)
{
    const struct idt_gate *idt = idt_entries();
    struct descriptor_pointer p;
    cpu_sidt(&p);
    KCHECK_EQ(p.base, (uint64_t)idt);
    KCHECK_EQ(p.limit, IDT_ENTRIES * 16 - 1);
    for (unsigned v = 0; v < TRAP_STUB_VECTORS; v++) {
        KCHECK_EQ(descriptor_gate_offset(&idt[v]), isr_stub_table[v]);
        KCHECK_EQ(idt[v].selector, GDT_KERNEL_CODE);
        KCHECK_EQ(idt[v].type_attr, v == VECTOR_BREAKPOINT ? 0xee : 0x8e);
    }
    KCHECK_EQ(idt[VECTOR_DOUBLE_FAULT].ist, IST_DOUBLE_FAULT);
    KCHECK_EQ(idt[VECTOR_NMI].ist, IST_NMI);
    KCHECK_EQ(idt[VECTOR_MACHINE_CHECK].ist, IST_MACHINE_CHECK);
    KCHECK_EQ(idt[VECTOR_PAGE_FAULT].ist, 0);
    KCHECK_EQ(idt[TRAP_STUB_VECTORS].type_attr, 0);   /* unused vectors: not present */
}
