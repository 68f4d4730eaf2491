/*
 * idt.c - installs the IDT (SDM Vol.3A 6.10-6.14). Every gate is an interrupt gate, so
 * handlers start with IF clear and the trap frame cannot be interleaved with another.
 * Double fault, NMI and machine check switch to their own IST stacks (gdt.c): they can
 * arrive when the current stack is unusable. int3 is callable from ring 3 (DPL 3) as
 * debuggers expect; everything else is DPL 0, so `int n` from user mode raises #GP.
 */
#include "idt.h"
#include "cpu.h"
#include "layout.h"
#include "trap.h"

extern const uint64_t isr_stub_table[TRAP_STUB_VECTORS];

static struct idt_gate idt[IDT_ENTRIES] __aligned(16);   /* written only by idt_init */

static uint8_t vector_ist(unsigned vector)
{
    switch (vector) {
    case VECTOR_DOUBLE_FAULT:  return IST_DOUBLE_FAULT;
    case VECTOR_NMI:           return IST_NMI;
    case VECTOR_MACHINE_CHECK: return IST_MACHINE_CHECK;
    default:                   return 0;
    }
}

void idt_init(void)
{
    for (unsigned v = 0; v < TRAP_STUB_VECTORS; v++) {
        unsigned dpl = v == VECTOR_BREAKPOINT ? 3 : 0;
        idt[v] = descriptor_gate(isr_stub_table[v], GDT_KERNEL_CODE, vector_ist(v),
                                 GATE_PRESENT | GATE_DPL(dpl) | GATE_INTERRUPT);
    }
    struct descriptor_pointer pointer = { .limit = sizeof(idt) - 1, .base = (uint64_t)idt };
    cpu_lidt(&pointer);
}

const struct idt_gate *idt_entries(void)
{
    return idt;
}
