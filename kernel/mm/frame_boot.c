/*
 * frame_boot.c - feeds the frame allocator (frame.c) at boot: the loader's memory map
 * minus the kernel image (from the linker script), the loader's information structure
 * and the modules. Called once by kmain, IRQs off, while boot.S's tables are live, so
 * the bitmap must lie in the first BOOT_MAP_SIZE of RAM, where PHYS_MAP_BASE reaches.
 */
#include "frame.h"
#include "layout.h"

extern char __image_phys_start[], __bss_end_phys[];   /* absolute: physical addresses */

static void *boot_window(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    if (phys >= BOOT_MAP_SIZE || len > BOOT_MAP_SIZE - phys)
        return NULL;
    return phys_to_virt(phys);
}

int pmm_init_boot(const struct boot_info *boot)
{
    struct pmm_reserved reserved[2 + BOOT_MODULES_MAX];
    size_t n = 0;
    reserved[n++] = (struct pmm_reserved){ (uint64_t)__image_phys_start,
                                           (uint64_t)__bss_end_phys, "kernel image" };
    reserved[n++] = (struct pmm_reserved){ boot->info_phys, boot->info_phys + boot->info_size,
                                           "boot information" };
    for (size_t i = 0; i < boot->module_count && n < ARRAY_SIZE(reserved); i++)
        reserved[n++] = (struct pmm_reserved){ boot->modules[i].start, boot->modules[i].end,
                                               boot->modules[i].name };
    const struct pmm_layout layout = {
        .map = boot->mmap, .map_count = boot->mmap_count,
        .reserved = reserved, .reserved_count = n,
        .map_phys = boot_window, .bitmap_limit = BOOT_MAP_SIZE,
    };
    return pmm_init(&layout);
}
