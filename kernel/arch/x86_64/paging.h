/*
 * paging.h - the x86_64 4-level page tables (SDM Vol.3A 4.5): entry encoders, a walker
 * that maps, unmaps and translates in any table tree, EFER.NXE, and read-only questions
 * about the live tables. Pure architecture: the memory manager (kernel/mm/vmm.c) decides
 * what to map and hands in the page-table page allocator as a callback, so nothing here
 * depends on mm. Reports, backtraces and (later) the GDB stub use paging_translate to ask
 * before they touch an address, so that looking at a bad pointer never faults.
 * The encoders and the walker are pure (host unit tests build trees in an ordinary
 * buffer); only paging_enable_nx, paging_activate and paging_translate touch the CPU.
 */
#ifndef LOCKSTEP_ARCH_PAGING_H
#define LOCKSTEP_ARCH_PAGING_H

#include "compiler.h"

/* Paging-structure entry bits (SDM Vol.3A 4.5, Tables 4-15 to 4-20). */
#define PTE_PRESENT       (1ull << 0)
#define PTE_WRITABLE      (1ull << 1)
#define PTE_USER          (1ull << 2)
#define PTE_WRITE_THROUGH (1ull << 3)
#define PTE_CACHE_DISABLE (1ull << 4)
#define PTE_ACCESSED      (1ull << 5)     /* set by the CPU */
#define PTE_DIRTY         (1ull << 6)     /* set by the CPU (leaf entries) */
#define PTE_LARGE         (1ull << 7)     /* 2 MiB (PD) or 1 GiB (PDPT) page */
#define PTE_GLOBAL        (1ull << 8)
#define PTE_NX            (1ull << 63)    /* reserved (faults) unless EFER.NXE = 1 */
#define PTE_ADDR_MASK     0x000ffffffffff000ull

/* Flags a caller may ask for in a leaf entry; everything else is the encoder's business. */
#define PTE_LEAF_FLAGS    (PTE_WRITABLE | PTE_USER | PTE_WRITE_THROUGH | PTE_CACHE_DISABLE | \
                           PTE_GLOBAL | PTE_NX)

/* The CPUID bit that says EFER.NXE exists (SDM Vol.2A CPUID leaf 80000001H, EDX bit 20;
 * EFER itself is in cpu_regs.h). */
#define CPUID_EXT_NX      (1u << 20)

#define PAGING_LEVELS     4               /* level 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT */
#define PAGE_SIZE_4K      0x1000ull
#define PAGE_SIZE_2M      0x200000ull
#define PAGING_ENTRIES    512

/*
 * One tree of page tables. Tables are reached at `window + physical address`, for
 * physical addresses below `window_end` (the kernel: PHYS_MAP_BASE and the size of that
 * mapping; host tests: a buffer). New tables come from `alloc_table`, which returns a
 * page-aligned physical address (the walker zeroes it) or false when memory is out.
 * Who may touch: the owner (vmm for the kernel tree) with IRQs off; the walker updates
 * `tables`; paging_activate sets `live`.
 */
struct paging_space {
    uint64_t root;                                   /* physical address of the PML4 */
    uintptr_t window;                                /* virtual = window + physical */
    uint64_t window_end;                             /* tables must lie below this */
    bool (*alloc_table)(void *ctx, uint64_t *phys);
    void *ctx;
    bool nx;                                         /* EFER.NXE on: PTE_NX allowed */
    bool live;                                       /* in CR3: invlpg after each change */
    uint64_t tables;                                 /* tables allocated by the walker */
};

/* ---- encoders: pure, cannot fail; an invalid argument yields 0 (not present) ---- */

/* A 4 KiB leaf (PTE): `phys` 4 KiB aligned and below 2^52, `flags` within
 * PTE_LEAF_FLAGS. Sets PTE_PRESENT. */
uint64_t paging_entry_page(uint64_t phys, uint64_t flags);
/* A 2 MiB leaf (PDE with PS = 1): `phys` 2 MiB aligned. Sets PTE_PRESENT | PTE_LARGE. */
uint64_t paging_entry_large(uint64_t phys, uint64_t flags);
/* A non-leaf entry pointing at a table: present and writable, user if `user` (the leaf
 * decides the final permissions: R/W and U/S are ANDed over the levels, SDM 4.6). */
uint64_t paging_entry_table(uint64_t table_phys, bool user);
/* Index of `virt` in the table at `level` (0..3): bits 12+9*level .. 20+9*level. */
unsigned paging_index(uint64_t virt, unsigned level);
/* True for addresses whose bits 63..47 are all equal (SDM Vol.1 3.3.7.1). */
bool paging_is_canonical(uint64_t virt);

/* ---- the walker (pure except for invlpg on a live tree) ---- */

/* Map the 4 KiB page at `virt` to `phys`. Returns 0; -EINVAL for an unaligned or
 * non-canonical address or bad flags; -EEXIST if something (a page or a 2 MiB page) is
 * mapped there already; -ENOMEM if a table was needed and alloc_table failed (tables
 * created before the failure stay, empty). PTE_NX is dropped when !space->nx. */
int paging_map(struct paging_space *space, uint64_t virt, uint64_t phys, uint64_t flags);
/* The same for a 2 MiB page (both addresses 2 MiB aligned). Same errors. */
int paging_map_large(struct paging_space *space, uint64_t virt, uint64_t phys, uint64_t flags);
/* Unmap the 4 KiB page at `virt`; its physical address goes to *phys if not NULL.
 * Returns 0; -EINVAL for a bad address or one covered by a 2 MiB page; -ENOENT if
 * nothing is mapped. Page-table pages are kept (they are reused by later mappings). */
int paging_unmap(struct paging_space *space, uint64_t virt, uint64_t *phys);
/* Map `count` 4 KiB pages from `virt` to frames[0..count), walking down once per page
 * table rather than once per page. Returns 0, or the first error of paging_map (then
 * *done pages are mapped, from virt on, and the rest are not). */
int paging_map_pages(struct paging_space *space, uint64_t virt, const uint64_t *frames,
                     size_t count, uint64_t flags, size_t *done);
/* Unmap `count` 4 KiB pages from `virt`, storing each frame in frames[i] (0 where
 * nothing was mapped). Returns 0, -EINVAL as paging_unmap, or -ENOENT if some page was
 * not mapped (the others are unmapped all the same). */
int paging_unmap_pages(struct paging_space *space, uint64_t virt, size_t count,
                       uint64_t *frames);
/* Translate `virt` in `space`: true with the physical address and the leaf entry's flag
 * bits (including PTE_LARGE for a 2 MiB page), false if not mapped. Cannot fail. */
bool paging_query(const struct paging_space *space, uint64_t virt, uint64_t *phys,
                  uint64_t *flags);
/* Tear down the lower (user) half of `space`: hand every 4 KiB frame mapped there and
 * every page-table page below the PML4 to `release`, and clear PML4[0..255]. The upper
 * (kernel) half is not touched: it is shared with the kernel's tables. Returns how many
 * frames were mapped. No TLB flush: call it on a tree that is not in CR3. */
size_t paging_release_lower_half(struct paging_space *space,
                                 void (*release)(void *ctx, uint64_t phys), void *ctx);

/* ---- the CPU ---- */

/* Turn on EFER.NXE if CPUID says the CPU has it; returns whether it is on. Cannot fail. */
bool paging_enable_nx(void);
/* Load `space` into CR3 (flushing every non-global TLB entry) and use it for
 * paging_translate from now on. The space must map the running code and stack. */
void paging_activate(struct paging_space *space);

/* Translate `virt` through the current CR3. Returns true and the physical address (and
 * the leaf entry's flags, if `flags` is not NULL) when every level is present. Tables
 * outside the physical window are treated as not present rather than dereferenced.
 * IRQ-safe; never faults. */
bool paging_translate(uint64_t virt, uint64_t *phys, uint64_t *flags);

/* True when every byte of [virt, virt+len) is mapped (len > 0). */
bool paging_is_mapped(uint64_t virt, size_t len);

#endif
