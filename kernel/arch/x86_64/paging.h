/*
 * paging.h - questions about the live 4-level page tables (SDM Vol.3A 4.5).
 * Reports, backtraces and (later) the GDB stub ask before they touch an address, so that
 * looking at a bad pointer never faults. Read-only here; the memory manager changes the
 * tables. IRQ-safe; never blocks.
 */
#ifndef LOCKSTEP_ARCH_PAGING_H
#define LOCKSTEP_ARCH_PAGING_H

#include "compiler.h"

#define PTE_PRESENT   (1ull << 0)
#define PTE_WRITABLE  (1ull << 1)
#define PTE_USER      (1ull << 2)
#define PTE_LARGE     (1ull << 7)     /* 2 MiB (PD) or 1 GiB (PDPT) page */
#define PTE_NX        (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Translate `virt` through the current CR3. Returns true and the physical address (and
 * the leaf entry's flags, if `flags` is not NULL) when every level is present. */
bool paging_translate(uint64_t virt, uint64_t *phys, uint64_t *flags);

/* True when every byte of [virt, virt+len) is mapped (len > 0). */
bool paging_is_mapped(uint64_t virt, size_t len);

#endif
