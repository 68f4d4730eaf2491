/*
 * tlsf_internal.h - the block layout and small helpers that tlsf.c and its consistency
 * checker (tlsf_check.c) share. Private to those two files; the layout is drawn in
 * tlsf.c.
 */
#ifndef LOCKSTEP_MM_TLSF_INTERNAL_H
#define LOCKSTEP_MM_TLSF_INTERNAL_H

#include "tlsf.h"

struct tlsf_block {
    struct tlsf_block *prev_phys;
    uint32_t canary;
    uint32_t size;
    struct tlsf_block *next_free;        /* free blocks only */
    struct tlsf_block *prev_free;
    struct tlsf_block *dirty_next;       /* DIRTY blocks only (they have an interior) */
    struct tlsf_block *dirty_prev;
};
ASSERT_OFFSET(struct tlsf_block, canary, 8);
ASSERT_OFFSET(struct tlsf_block, size, 12);
ASSERT_OFFSET(struct tlsf_block, next_free, 16);
ASSERT_OFFSET(struct tlsf_block, dirty_next, 32);

#define HEADER      16u
#define LINKS       48u                  /* header and both link pairs, always backed */
#define FREE        1u                   /* this block is free */
#define PREV_FREE   2u                   /* the block before this one is free */
#define DECOMMITTED 4u                   /* free, and its interior pages are not backed */
#define DIRTY       8u                   /* free, interior backed, on the dirty list */
#define FLAGS       15u
#define SMALL       (1u << TLSF_FL_SHIFT)
#define PAGE        ((uintptr_t)HEAP_PAGE_SIZE)
#define SCAN_LIMIT  16

#define inline_always inline __attribute__((always_inline))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

STATIC_ASSERT(TLSF_FL_COUNT == 31 - TLSF_FL_SHIFT + 1, "first level covers sizes < 2^31");

static inline_always uint32_t size_of(const struct tlsf_block *b)
{
    return b->size & ~FLAGS;
}

static inline_always struct tlsf_block *at(uintptr_t address)
{
    return (struct tlsf_block *)address;
}

static inline_always struct tlsf_block *next_of(const struct tlsf_block *b)
{
    return at((uintptr_t)b + size_of(b));
}

static inline_always uint32_t canary(const struct tlsf *t, const void *b)
{
    return (uint32_t)((uintptr_t)b >> 4) ^ t->secret;      /* unique per header in 64 GiB */
}

static inline_always void set_header(const struct tlsf *t, struct tlsf_block *b, size_t size,
                                     uint32_t flags)
{
    b->canary = canary(t, b);
    b->size = (uint32_t)size | flags;
}

/* The pages a free block of `size` bytes at b may give back: [lo, hi), maybe empty. */
static inline_always uintptr_t interior_lo(const struct tlsf_block *b)
{
    return ALIGN_UP((uintptr_t)b + LINKS, PAGE);
}

static inline_always uintptr_t interior_hi(const struct tlsf_block *b, size_t size)
{
    return ALIGN_DOWN((uintptr_t)b + size, PAGE);
}

static inline_always uintptr_t interior_bytes(const struct tlsf_block *b)
{
    uintptr_t lo = interior_lo(b), hi = interior_hi(b, size_of(b));
    return hi > lo ? hi - lo : 0;
}

static inline_always unsigned fls_size(size_t x)     /* x > 0 */
{
    return 63 - (unsigned)__builtin_clzll(x);
}

static inline_always void mapping(size_t size, unsigned *fl, unsigned *sl)
{
    if (size < SMALL) {
        *fl = 0;
        *sl = (unsigned)size / TLSF_ALIGN;
    } else {
        unsigned f = fls_size(size);
        *sl = (unsigned)(size >> (f - TLSF_SL_LOG2)) ^ TLSF_SL_COUNT;
        *fl = f - (TLSF_FL_SHIFT - 1);
    }
}

static inline_always bool page_committed(const struct tlsf *t, uintptr_t address)
{
    uint64_t page = (address - t->base) / PAGE;
    return t->committed[page / 64] & (1ull << (page % 64));
}

#endif
