/*
 * ksyms.h - the kernel's own symbol table, for backtraces and reports.
 * The table is generated from the linked kernel by tools/gen-ksyms (function symbols,
 * sorted by address) and linked into .ksyms in a second pass, so it works whichever
 * loader booted us (QEMU's -kernel passes no ELF sections). Read-only; IRQ-safe.
 */
#ifndef LOCKSTEP_LIB_KSYMS_H
#define LOCKSTEP_LIB_KSYMS_H

#include "compiler.h"

struct ksym {
    uint64_t address;
    uint64_t name_offset;    /* into ksyms_names */
};
ASSERT_SIZE(struct ksym, 16);   /* tools/gen-ksyms writes .quad pairs */

/* The function containing `address`: its name and the offset into it. Returns NULL
 * when the address is outside the kernel text or the table is empty. */
const char *ksyms_lookup(uint64_t address, uint64_t *offset);

/* The address of the function called `name`, or 0 if there is none. */
uint64_t ksyms_address(const char *name);

/* Number of symbols in the table. */
size_t ksyms_count(void);

#endif
