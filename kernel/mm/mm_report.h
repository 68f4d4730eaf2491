/*
 * mm_report.h - how the memory manager names a caller in its error reports:
 * "caller ffffffff80104dac <kfree_twice+0x2c>". Shared by the frame allocator and the
 * heap so that every bad release reads the same. IRQ-safe; never blocks.
 */
#ifndef LOCKSTEP_MM_REPORT_H
#define LOCKSTEP_MM_REPORT_H

#include "kprintf.h"
#include "ksyms.h"

/* Print " (caller ADDRESS <function+offset>)" and a newline. A return address points
 * after the call, so the symbol is looked up one byte earlier. */
static inline void mm_print_caller(const void *caller)
{
    uint64_t address = (uint64_t)(uintptr_t)caller, offset = 0;
    const char *name = address ? ksyms_lookup(address - 1, &offset) : NULL;
    if (name)
        kprintf(" (caller %016lx <%s+0x%lx>)\n", address, name, offset + 1);
    else
        kprintf(" (caller %016lx)\n", address);
}

#endif
