/*
 * tlsf.h - Two-Level Segregated Fit allocator (Masmano, Ripoll, Crespo, Real: "TLSF: a
 * new dynamic memory allocator for real-time systems", ECRTS 2004): O(1) allocation and
 * release with bounded fragmentation, over one contiguous area that grows and shrinks
 * at its top through a heap_provider. The kernel heap (heap_core.c) uses it for objects
 * above the slab size classes and for aligned requests. Pure logic (host-tested).
 * Not IRQ-safe by itself: the owner serialises (the kernel heap holds IRQs off).
 */
#ifndef LOCKSTEP_MM_TLSF_H
#define LOCKSTEP_MM_TLSF_H

#include "compiler.h"
#include "heap_provider.h"

#define TLSF_ALIGN          16             /* every pointer handed out */
#define TLSF_SL_LOG2        5              /* 32 second-level lists per power of two */
#define TLSF_SL_COUNT       (1u << TLSF_SL_LOG2)
#define TLSF_FL_SHIFT       9              /* sizes below 512 B: exact 16-byte lists */
#define TLSF_FL_COUNT       23             /* first-level classes: blocks below 2 GiB */
#define TLSF_MIN_BLOCK      32             /* header 16 B + two free-list links */
#define TLSF_OVERHEAD       8              /* per used block (the size/canary word) */
#define TLSF_MAX_REQUEST    (1ull << 30)
#define TLSF_GROW_MIN       (16 * 1024)    /* smallest commit when the area grows */
#define TLSF_TRIM_THRESHOLD (64 * 1024)    /* free tail that makes the area shrink */
#define TLSF_TRIM_KEEP      (16 * 1024)    /* ... down to this much */
#define TLSF_DIRTY_SHIFT    3              /* backed free interiors kept: used / 8 ... */
#define TLSF_DIRTY_MIN      (64 * 1024)    /* ... or this much, whichever is more */
#define TLSF_MAX_AREA       (512ull << 20)
#define TLSF_MAX_PAGES      (TLSF_MAX_AREA / HEAP_PAGE_SIZE)

struct tlsf_block;

/*
 * The area is [base, top); pages in it are backed ("committed") except the interior
 * pages of some free blocks (the whole pages strictly between a free block's 48-byte
 * header and the next header). A free block whose interior is backed is "dirty" and
 * sits on the dirty list, newest first; when dirty bytes exceed used_bytes / 8 (at
 * least TLSF_DIRTY_MIN; jemalloc's default active:dirty ratio), the oldest dirty
 * blocks give their interior back to the
 * provider, which backs it again when the block is allocated. Blocks freed and reused
 * soon never cost a page operation; memory that stays free goes back to the frames.
 * `committed` records which pages are backed, so that a check never reads an unbacked
 * page. Who may touch: every field belongs to the owner (callers serialise).
 */
struct tlsf {
    uintptr_t base, top, limit;            /* [base, top) in use, may grow to limit */
    uint32_t fl_bitmap;                    /* bit fl: some sl list of fl is not empty */
    uint32_t sl_bitmap[TLSF_FL_COUNT];
    struct tlsf_block *lists[TLSF_FL_COUNT][TLSF_SL_COUNT];
    const struct heap_provider *provider;
    uint32_t secret;                       /* mixed into every canary */
    uint64_t used_bytes;                   /* sum of used block sizes (headers included) */
    uint64_t used_blocks;
    uint64_t free_blocks;
    uint64_t committed_pages;              /* backed pages in [base, top) */
    struct tlsf_block *dirty_head, *dirty_tail;   /* free blocks with a backed interior */
    uint64_t dirty_bytes;                  /* their interiors */
    uint64_t committed[TLSF_MAX_PAGES / 64];   /* bit per page: backed */
};

/* Set up an empty area at [base, base + size) (page aligned; at most TLSF_MAX_AREA is
 * used); nothing is committed until the first allocation. Cannot fail. */
void tlsf_init(struct tlsf *t, uintptr_t base, size_t size, const struct heap_provider *p,
               uint32_t secret);

/* `size` bytes aligned to `align` (a power of two; <= TLSF_ALIGN means TLSF_ALIGN).
 * Returns NULL when the area cannot hold it (after trying to grow), when size exceeds
 * TLSF_MAX_REQUEST, or when align is not a power of two. O(1) plus the provider. */
void *tlsf_alloc(struct tlsf *t, size_t size, size_t align);

/* Release `ptr`. Returns 0; -EINVAL if ptr is not a block this area handed out (or its
 * header is corrupted); -ENOENT for a double free; -EFAULT if the header after it (its
 * footer canary) or a free neighbour's header was overwritten. On error nothing
 * changes (a corrupted neighbour is never merged); the caller reports. O(1) plus the
 * provider when the area shrinks. */
int tlsf_free(struct tlsf *t, void *ptr);

/* True if `ptr` lies inside the area (says nothing about validity). */
static inline bool tlsf_contains(const struct tlsf *t, const void *ptr)
{
    return (uintptr_t)ptr >= t->base && (uintptr_t)ptr < t->top;
}

/* 0 if `ptr` is a live block of this area; -EINVAL (never handed out, or its header is
 * corrupted) or -ENOENT (already free). Reads only committed memory; changes nothing. */
int tlsf_validate(const struct tlsf *t, const void *ptr);

/* Bytes usable at `ptr` (at least what was asked for), or 0 if ptr is not a live
 * block. */
size_t tlsf_usable_size(const struct tlsf *t, const void *ptr);

/* Make the live block at `ptr` hold `size` bytes without moving it, by splitting off
 * its tail or absorbing a free neighbour. Returns true on success; false leaves the
 * block as it was. */
bool tlsf_resize(struct tlsf *t, void *ptr, size_t size);

/* Give the free tail of the area back to the provider, keeping `keep` bytes.
 * Cannot fail. */
void tlsf_trim(struct tlsf *t, size_t keep);

/* Usable size of the largest free block (scans one list: bounded by its length). */
size_t tlsf_largest_free(const struct tlsf *t);

/* Walk every block and check every invariant (canaries, flags, links, the free lists
 * against the blocks). Returns 0, or -EFAULT with the first problem in *why. O(blocks);
 * for tests and the `mem check` command. */
int tlsf_check(const struct tlsf *t, const char **why);

#endif
