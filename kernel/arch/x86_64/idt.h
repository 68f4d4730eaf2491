/*
 * idt.h - the interrupt descriptor table. idt_init() runs once at boot with IRQs off and
 * installs the 32 exception vectors and the 16 PIC vectors, all as interrupt gates to
 * the isr.S stubs; the table is read-only afterwards.
 */
#ifndef LOCKSTEP_ARCH_IDT_H
#define LOCKSTEP_ARCH_IDT_H

#include "descriptor.h"

#define IDT_ENTRIES 256

/* Fill and load the IDT. Cannot fail. */
void idt_init(void);

/* The live table, for tests and reports. */
const struct idt_gate *idt_entries(void);

#endif
