/*
 * frame.h - the physical frame allocator (pmm_*): 4 KiB frames of the RAM the memory
 * map calls available, minus what is already in use (kernel image, boot information,
 * modules, frame 0, the allocator's own bitmap). Single frames and contiguous runs.
 * Releases are checked: a double free or a release of something that is not a managed
 * frame is reported on the console with the caller's address and refused.
 * Pure logic: the bitmap is reached through a callback, so host tests run it on fake
 * memory maps. Not IRQ-safe by itself: callers serialise. In the kernel, vmm.c makes
 * every call that takes or gives back frames after boot (the heap takes its frames
 * through vmm) and holds IRQs off around each, so frames may be taken and given back
 * from IRQ handlers too; the one other caller after boot, kmalloc_print_stats, reads
 * pmm_stats with IRQs off as well, and the boot code calls it before interrupts are on.
 * The in-kernel tests that call it directly rely on no IRQ handler allocating while
 * they run.
 */
#ifndef LOCKSTEP_MM_FRAME_H
#define LOCKSTEP_MM_FRAME_H

#include "boot_info.h"
#include "compiler.h"

#define FRAME_SIZE        ((uint64_t)4096)
#define PMM_RANGES_MAX    128      /* usable ranges kept after exclusions */
#define PMM_LOW_MEMORY    0x100000 /* 1 MiB: the bitmap goes above it when it can */

/* A physical range, end exclusive. */
struct pmm_range {
    uint64_t start, end;
};

/* Memory that must not be handed out although the map may call it available. */
struct pmm_reserved {
    uint64_t start, end;           /* physical, end exclusive; need not be aligned */
    const char *what;              /* "kernel image", "boot information", a module name */
};

/* Everything pmm_init needs to know. */
struct pmm_layout {
    const struct boot_memory_region *map;
    size_t map_count;
    const struct pmm_reserved *reserved;
    size_t reserved_count;
    /* Pointer to `len` writable bytes at physical `phys`, or NULL if not reachable. */
    void *(*map_phys)(uint64_t phys, size_t len, void *ctx);
    void *ctx;
    uint64_t bitmap_limit;         /* the bitmap must end below this physical address */
};

struct pmm_stats {
    uint64_t available_bytes;      /* type "available" in the memory map */
    uint64_t managed_frames;       /* frames this allocator hands out */
    uint64_t free_frames;
    uint64_t reserved_frames;      /* available in the map but withheld (exclusions) */
    uint64_t top;                  /* end of the highest managed frame */
    uint64_t bitmap_phys, bitmap_bytes;
    size_t range_count;
    uint64_t bad_releases;         /* double frees and bad addresses refused */
    bool truncated;                /* more than PMM_RANGES_MAX ranges: some RAM unused */
};

/* Build the allocator from `layout`, forgetting any previous state. Returns 0, or
 * -ENOMEM if there is no usable memory or no place for the bitmap (nothing is then
 * allocatable: pmm_alloc_* return 0). */
int pmm_init(const struct pmm_layout *layout);

/* pmm_init from the boot information: its memory map minus the kernel image, the
 * loader's information structure and the modules (frame_boot.c; kernel only, run while
 * boot.S's tables are live). Returns what pmm_init returns. */
int pmm_init_boot(const struct boot_info *boot);

/* One frame, the lowest free one. Returns its physical address, or 0 when none is free
 * (frame 0 is never managed). The frame's contents are not cleared. */
uint64_t pmm_alloc_frame(void);

/* `count` contiguous frames (first fit from the bottom). Returns the physical address
 * of the first, or 0 when count is 0 or no such run is free. O(frames). */
uint64_t pmm_alloc_run(size_t count);

/* Release one frame. Returns 0; -EINVAL if `phys` is unaligned or not a managed frame;
 * -ENOENT if it is free already (double free). Both errors are reported on the console
 * with the caller's address, and change nothing. */
int pmm_free_frame(uint64_t phys);

/* Release `count` frames from `phys`. All or nothing: the same errors as
 * pmm_free_frame for the first bad frame, and then no frame is released. A count of 0
 * releases nothing and returns 0. */
int pmm_free_run(uint64_t phys, size_t count);

/* True if `phys` is in a managed frame that is currently allocated. Cannot fail. */
bool pmm_is_allocated(uint64_t phys);

/* Statistics; cannot fail. */
void pmm_stats(struct pmm_stats *out);

/* The usable ranges (sorted, disjoint, frame aligned) and their number. Cannot fail. */
const struct pmm_range *pmm_ranges(size_t *count);

#endif
