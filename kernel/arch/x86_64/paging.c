/*
 * paging.c - walks the live page tables (paging.h). The tables are reached through
 * PHYS_MAP_BASE, which boot.S maps for the first 1 GiB of physical memory; a table
 * outside that window is treated as not present rather than dereferenced.
 */
#include "paging.h"
#include "cpu.h"
#include "layout.h"

static bool is_canonical(uint64_t virt)
{
    uint64_t top = virt >> 47;
    return top == 0 || top == 0x1ffff;
}

bool paging_translate(uint64_t virt, uint64_t *phys, uint64_t *flags)
{
    if (!is_canonical(virt))
        return false;
    uint64_t table = cpu_read_cr3() & PTE_ADDR_MASK;
    for (int level = 3; level >= 0; level--) {
        if (table >= BOOT_MAP_SIZE)
            return false;
        unsigned index = (virt >> (12 + 9 * level)) & 0x1ff;
        uint64_t entry = ((const uint64_t *)phys_to_virt(table))[index];
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
        table = entry & PTE_ADDR_MASK;
    }
    return false;
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
