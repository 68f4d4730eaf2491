/*
 * paging.c - x86_64 4-level page tables (paging.h, SDM Vol.3A 4.5).
 *
 *   virtual address  | 63..48 sign | 47..39 PML4 | 38..30 PDPT | 29..21 PD | 20..12 PT | 11..0 |
 *   CR3 -> PML4[i3] -> PDPT[i2] -> PD[i1] -(PS=1: 2 MiB page)
 *                                         -> PT[i0] -> 4 KiB page
 *
 * The walker works on any struct paging_space, reaching tables through its physical
 * window; on the live tree it issues invlpg for every entry it changes (one CPU: that
 * is the whole TLB shootdown; SDM 4.10.4.1: invlpg also drops the paging-structure
 * caches for that address, so new or widened upper-level entries are seen too).
 * Callers serialise (the kernel tree: IRQs off, see vmm.c).
 */
#include "paging.h"
#include "cpu.h"
#include "cpu_regs.h"
#include "errno.h"
#include "layout.h"
#include "string.h"

/* How much of physical memory PHYS_MAP_BASE covers in the live tables: boot.S maps
 * BOOT_MAP_SIZE; paging_activate takes the new tree's window. Written with IRQs off. */
static uint64_t live_window_end = BOOT_MAP_SIZE;

/* ---- encoders ---- */

uint64_t paging_entry_page(uint64_t phys, uint64_t flags)
{
    if (phys & ~PTE_ADDR_MASK || flags & ~PTE_LEAF_FLAGS)
        return 0;
    return phys | flags | PTE_PRESENT;
}

uint64_t paging_entry_large(uint64_t phys, uint64_t flags)
{
    /* Bit 12 of a 2 MiB entry is PAT, so the address must be 2 MiB aligned. */
    if (phys & ~PTE_ADDR_MASK || phys & (PAGE_SIZE_2M - 1) || flags & ~PTE_LEAF_FLAGS)
        return 0;
    return phys | flags | PTE_LARGE | PTE_PRESENT;
}

uint64_t paging_entry_table(uint64_t table_phys, bool user)
{
    if (table_phys & ~PTE_ADDR_MASK)
        return 0;
    return table_phys | PTE_PRESENT | PTE_WRITABLE | (user ? PTE_USER : 0);
}

unsigned paging_index(uint64_t virt, unsigned level)
{
    return (unsigned)(virt >> (12 + 9 * level)) & (PAGING_ENTRIES - 1);
}

bool paging_is_canonical(uint64_t virt)
{
    uint64_t top = virt >> 47;
    return top == 0 || top == 0x1ffff;
}

/* ---- the walker ---- */

static uint64_t *table_at(const struct paging_space *space, uint64_t phys)
{
    if (phys >= space->window_end)
        return NULL;
    return (uint64_t *)(space->window + (uintptr_t)phys);
}

static void flush(const struct paging_space *space, uint64_t virt)
{
    if (space->live)
        cpu_invlpg(virt);
}

/* The entry for `virt` in the table at `level`, creating the tables above it when
 * `create` (widening them to user if `user`). NULL with *err set when a level is
 * missing (-ENOENT), is a large page in the way (-EEXIST), is unreachable (-EINVAL) or
 * cannot be allocated (-ENOMEM). */
static uint64_t *walk(struct paging_space *space, uint64_t virt, unsigned level, bool create,
                      bool user, int *err)
{
    uint64_t *table = table_at(space, space->root);
    for (unsigned l = PAGING_LEVELS - 1; table; l--) {
        uint64_t *entry = &table[paging_index(virt, l)];
        if (l == level)
            return entry;
        if (!(*entry & PTE_PRESENT)) {
            uint64_t phys;
            if (!create) {
                *err = -ENOENT;
                return NULL;
            }
            if (!space->alloc_table(space->ctx, &phys) || !table_at(space, phys) ||
                (phys & (PAGE_SIZE_4K - 1))) {
                *err = -ENOMEM;
                return NULL;
            }
            memset(table_at(space, phys), 0, PAGE_SIZE_4K);
            space->tables++;
            *entry = paging_entry_table(phys, user);
        } else if (*entry & PTE_LARGE) {
            *err = -EEXIST;
            return NULL;
        } else if (user && !(*entry & PTE_USER)) {
            *entry |= PTE_USER;
        }
        table = table_at(space, *entry & PTE_ADDR_MASK);
    }
    *err = -EINVAL;
    return NULL;
}

static int map_at(struct paging_space *space, uint64_t virt, uint64_t entry, unsigned level)
{
    int err = 0;
    if (!entry || !paging_is_canonical(virt))
        return -EINVAL;
    uint64_t *slot = walk(space, virt, level, true, entry & PTE_USER, &err);
    if (!slot)
        return err;
    if (*slot & PTE_PRESENT)
        return -EEXIST;
    *slot = entry;
    flush(space, virt);
    return 0;
}

int paging_map(struct paging_space *space, uint64_t virt, uint64_t phys, uint64_t flags)
{
    if (virt & (PAGE_SIZE_4K - 1))
        return -EINVAL;
    if (!space->nx)
        flags &= ~PTE_NX;
    return map_at(space, virt, paging_entry_page(phys, flags), 0);
}

int paging_map_large(struct paging_space *space, uint64_t virt, uint64_t phys, uint64_t flags)
{
    if (virt & (PAGE_SIZE_2M - 1))
        return -EINVAL;
    if (!space->nx)
        flags &= ~PTE_NX;
    return map_at(space, virt, paging_entry_large(phys, flags), 1);
}

int paging_unmap(struct paging_space *space, uint64_t virt, uint64_t *phys)
{
    int err = 0;
    if ((virt & (PAGE_SIZE_4K - 1)) || !paging_is_canonical(virt))
        return -EINVAL;
    uint64_t *slot = walk(space, virt, 0, false, false, &err);
    if (!slot)
        return err == -EEXIST ? -EINVAL : err;       /* inside a 2 MiB page */
    if (!(*slot & PTE_PRESENT))
        return -ENOENT;
    if (phys)
        *phys = *slot & PTE_ADDR_MASK;
    *slot = 0;
    flush(space, virt);
    return 0;
}

int paging_map_pages(struct paging_space *space, uint64_t virt, const uint64_t *frames,
                     size_t count, uint64_t flags, size_t *done)
{
    uint64_t *pt = NULL;
    int err = 0;
    *done = 0;
    if (virt & (PAGE_SIZE_4K - 1))
        return -EINVAL;
    if (!space->nx)
        flags &= ~PTE_NX;
    for (size_t i = 0; i < count; i++) {
        uint64_t page = virt + i * PAGE_SIZE_4K, entry = paging_entry_page(frames[i], flags);
        if (!entry || !paging_is_canonical(page))
            return -EINVAL;
        if (!pt || paging_index(page, 0) == 0) {      /* a new page table: walk to it */
            uint64_t *slot = walk(space, page, 0, true, flags & PTE_USER, &err);
            if (!slot)
                return err;
            pt = slot - paging_index(page, 0);
        }
        uint64_t *slot = &pt[paging_index(page, 0)];
        if (*slot & PTE_PRESENT)
            return -EEXIST;
        *slot = entry;
        flush(space, page);
        *done = i + 1;
    }
    return 0;
}

int paging_unmap_pages(struct paging_space *space, uint64_t virt, size_t count,
                       uint64_t *frames)
{
    uint64_t *pt = NULL;
    int err = 0, result = 0;
    if (virt & (PAGE_SIZE_4K - 1))
        return -EINVAL;
    for (size_t i = 0; i < count; i++) {
        uint64_t page = virt + i * PAGE_SIZE_4K;
        frames[i] = 0;
        if (!paging_is_canonical(page))
            return -EINVAL;
        if (!pt || paging_index(page, 0) == 0) {
            uint64_t *slot = walk(space, page, 0, false, false, &err);
            if (!slot) {
                if (err != -ENOENT)
                    return -EINVAL;                    /* a 2 MiB page or unreachable */
                pt = NULL;                             /* no table: nothing mapped here */
                result = -ENOENT;
                continue;
            }
            pt = slot - paging_index(page, 0);
        }
        uint64_t *slot = &pt[paging_index(page, 0)];
        if (!(*slot & PTE_PRESENT)) {
            result = -ENOENT;
            continue;
        }
        frames[i] = *slot & PTE_ADDR_MASK;
        *slot = 0;
        flush(space, page);
    }
    return result;
}

bool paging_query(const struct paging_space *space, uint64_t virt, uint64_t *phys,
                  uint64_t *flags)
{
    if (!paging_is_canonical(virt))
        return false;
    const uint64_t *table = table_at(space, space->root);
    for (int level = PAGING_LEVELS - 1; level >= 0 && table; level--) {
        uint64_t entry = table[paging_index(virt, (unsigned)level)];
        if (!(entry & PTE_PRESENT))
            return false;
        bool leaf = level == 0 || ((level == 1 || level == 2) && (entry & PTE_LARGE));
        if (leaf) {
            uint64_t page_size = 1ull << (12 + 9 * level);
            if (phys)
                *phys = (entry & PTE_ADDR_MASK & ~(page_size - 1)) | (virt & (page_size - 1));
            if (flags)
                *flags = entry & ~PTE_ADDR_MASK;
            return true;
        }
        table = table_at(space, entry & PTE_ADDR_MASK);
    }
    return false;
}

/* Level 2 (PDPT) down to level 0 (PT): release what each present entry points at. */
static size_t release_table(struct paging_space *space, uint64_t table_phys, unsigned level,
                            void (*release)(void *ctx, uint64_t phys), void *ctx)
{
    uint64_t *table = table_at(space, table_phys);
    size_t frames = 0;
    for (unsigned i = 0; table && i < PAGING_ENTRIES; i++) {
        uint64_t entry = table[i];
        if (!(entry & PTE_PRESENT))
            continue;
        if (level == 0 || (entry & PTE_LARGE)) {
            if (level == 0) {                      /* user halves have 4 KiB pages only */
                release(ctx, entry & PTE_ADDR_MASK);
                frames++;
            }
        } else {
            frames += release_table(space, entry & PTE_ADDR_MASK, level - 1, release, ctx);
        }
        table[i] = 0;
    }
    release(ctx, table_phys);
    return frames;
}

size_t paging_release_lower_half(struct paging_space *space,
                                 void (*release)(void *ctx, uint64_t phys), void *ctx)
{
    uint64_t *pml4 = table_at(space, space->root);
    size_t frames = 0;
    for (unsigned i = 0; pml4 && i < PAGING_ENTRIES / 2; i++) {
        if (pml4[i] & PTE_PRESENT)
            frames += release_table(space, pml4[i] & PTE_ADDR_MASK, 2, release, ctx);
        pml4[i] = 0;
    }
    return frames;
}

/* ---- the CPU ---- */

bool paging_enable_nx(void)
{
    uint32_t eax, ebx, ecx, edx;
    cpu_cpuid(0x80000000, 0, &eax, &ebx, &ecx, &edx);
    if (eax < 0x80000001)
        return false;
    cpu_cpuid(0x80000001, 0, &eax, &ebx, &ecx, &edx);
    if (!(edx & CPUID_EXT_NX))
        return false;
    cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_NXE);
    return true;
}

void paging_activate(struct paging_space *space)
{
    uint64_t rflags = cpu_irq_save();
    cpu_write_cr3(space->root);
    space->live = true;
    live_window_end = space->window_end;
    cpu_irq_restore(rflags);
}

bool paging_translate(uint64_t virt, uint64_t *phys, uint64_t *flags)
{
    const struct paging_space live = {
        .root = cpu_read_cr3() & PTE_ADDR_MASK,
        .window = PHYS_MAP_BASE,
        .window_end = READ_ONCE(live_window_end),
    };
    return paging_query(&live, virt, phys, flags);
}

bool paging_is_mapped(uint64_t virt, size_t len)
{
    if (len == 0 || virt + len < virt)
        return false;
    uint64_t end = virt + len - 1;
    for (uint64_t page = virt & ~0xfffull;; page += 0x1000) {
        if (!paging_translate(page, NULL, NULL))
            return false;
        if (page >= (end & ~0xfffull))
            return true;
    }
}
