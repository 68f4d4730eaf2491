/*
 * tlsf_check.c - tlsf_check (tlsf.h): walks every block of a TLSF area and checks
 * every invariant tlsf.c keeps (canaries, flags, links, the free and dirty lists
 * against the blocks, which pages are backed). O(blocks + pages); for the unit tests,
 * the in-kernel tests and the `mem check` command, never on an allocation path.
 */
#include "tlsf.h"
#include "errno.h"
#include "tlsf_internal.h"

/* Every page of [from, to) is backed (or, with `backed` false, none is). */
static bool pages_are(const struct tlsf *t, uintptr_t from, uintptr_t to, bool backed)
{
    for (uintptr_t p = ALIGN_DOWN(from, PAGE); p < to; p += PAGE)
        if (page_committed(t, p) != backed)
            return false;
    return true;
}

int tlsf_check(const struct tlsf *t, const char **why)
{
#define FAIL(text) do { *why = (text); return -EFAULT; } while (0)
    uint64_t backed = 0;
    for (uintptr_t p = t->base; p < t->limit; p += PAGE)
        backed += page_committed(t, p);
    if (backed != t->committed_pages)
        FAIL("committed page count");
    if (t->top == t->base) {
        if (t->fl_bitmap || t->free_blocks || t->used_blocks || backed || t->dirty_head)
            FAIL("empty area with blocks or pages");
        return 0;
    }
    if (!pages_are(t, t->top, t->limit, false))
        FAIL("backed page above the top");
    uint64_t free_blocks = 0, used_blocks = 0, used_bytes = 0, dirty = 0, dirty_bytes = 0;
    bool prev_free = false;
    const struct tlsf_block *prev = NULL, *b = at(t->base);
    while ((uintptr_t)b != t->top - HEADER) {
        if ((uintptr_t)b > t->top - HEADER - TLSF_MIN_BLOCK)
            FAIL("block runs past the sentinel");
        if (!page_committed(t, (uintptr_t)b))
            FAIL("header in an unbacked page");
        if (b->canary != canary(t, b))
            FAIL("bad canary");
        if (size_of(b) < TLSF_MIN_BLOCK || size_of(b) % TLSF_ALIGN)
            FAIL("bad block size");
        if (!!(b->size & PREV_FREE) != prev_free)
            FAIL("PREV_FREE disagrees with the previous block");
        if (prev_free && b->prev_phys != prev)
            FAIL("prev_phys does not point at the free predecessor");
        uintptr_t start = (uintptr_t)b, end = start + size_of(b) + HEADER;
        uintptr_t lo = interior_lo(b), hi = interior_hi(b, size_of(b));
        if (b->size & DECOMMITTED) {
            if (!(b->size & FREE) || (b->size & DIRTY) || hi <= lo ||
                !pages_are(t, lo, hi, false) || !pages_are(t, start, lo, true) ||
                !pages_are(t, hi, end, true))
                FAIL("decommitted block with wrong pages");
        } else if (!pages_are(t, start, end, true)) {
            FAIL("block with unbacked pages");
        }
        if (b->size & FREE) {
            if (prev_free)
                FAIL("two adjacent free blocks");
            if (hi > lo && !(b->size & (DIRTY | DECOMMITTED)))
                FAIL("free block with an interior that is neither dirty nor given back");
            if (b->size & DIRTY) {
                dirty++;
                dirty_bytes += hi - lo;
            }
            free_blocks++;
        } else {
            if (b->size & (DIRTY | DECOMMITTED))
                FAIL("used block marked dirty or decommitted");
            used_blocks++;
            used_bytes += size_of(b);
        }
        prev_free = b->size & FREE;
        prev = b;
        b = next_of(b);
    }
    if (b->canary != canary(t, b) || size_of(b) != 0 || !!(b->size & PREV_FREE) != prev_free)
        FAIL("bad sentinel");
    if (prev_free && b->prev_phys != prev)
        FAIL("sentinel prev_phys");
    uint64_t listed = 0;
    for (unsigned fl = 0; fl < TLSF_FL_COUNT; fl++) {
        if (!!(t->fl_bitmap & (1u << fl)) != !!t->sl_bitmap[fl])
            FAIL("first-level bitmap disagrees");
        for (unsigned sl = 0; sl < TLSF_SL_COUNT; sl++) {
            const struct tlsf_block *f = t->lists[fl][sl];
            if (!!(t->sl_bitmap[fl] & (1u << sl)) != !!f)
                FAIL("second-level bitmap disagrees");
            for (const struct tlsf_block *q = NULL; f; q = f, f = f->next_free) {
                unsigned f_fl, f_sl;
                mapping(size_of(f), &f_fl, &f_sl);
                if (!(f->size & FREE) || f_fl != fl || f_sl != sl || f->prev_free != q)
                    FAIL("free list holds a wrong block");
                if (++listed > free_blocks)
                    FAIL("free lists longer than the free blocks");
            }
        }
    }
    if (listed != free_blocks || free_blocks != t->free_blocks)
        FAIL("free block count");
    uint64_t on_list = 0;
    for (const struct tlsf_block *d = t->dirty_head, *q = NULL; d; q = d, d = d->dirty_next) {
        if (!(d->size & DIRTY) || d->dirty_prev != q || ++on_list > dirty)
            FAIL("dirty list holds a wrong block");
        if (!d->dirty_next && t->dirty_tail != d)
            FAIL("dirty list tail");
    }
    if (on_list != dirty || dirty_bytes != t->dirty_bytes)
        FAIL("dirty list count or bytes");
    if (used_blocks != t->used_blocks || used_bytes != t->used_bytes)
        FAIL("used counters");
    return 0;
#undef FAIL
}
