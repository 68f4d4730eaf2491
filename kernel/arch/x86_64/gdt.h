/*
 * gdt.h - the global descriptor table and the task state segment.
 * gdt_init() runs once at boot (IRQs off); afterwards the tables are read-only except
 * tss.rsp[0], which the scheduler of user programs sets (IRQs off).
 */
#ifndef LOCKSTEP_ARCH_GDT_H
#define LOCKSTEP_ARCH_GDT_H

#include "compiler.h"
#include "descriptor.h"
#include "layout.h"

/* Build the GDT (null, kernel code/data, user data/code, TSS), load it, reload the
 * segment registers and the task register. Cannot fail. */
void gdt_init(void);

/* The live tables, for tests and reports. */
const uint64_t *gdt_entries(void);   /* GDT_ENTRIES quadwords */
struct tss *gdt_tss(void);

#endif
