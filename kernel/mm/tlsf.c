/*
 * tlsf.c - Two-Level Segregated Fit (tlsf.h), after Masmano et al. (ECRTS 2004) and
 * Conte's public-domain implementation, with canaries and page decommit.
 *
 * Blocks tile the area [base, top); every header is 16-byte aligned:
 *
 *   block b:  +0  prev_phys   (only while the previous block is free; otherwise it is
 *                              the last 8 bytes of the previous block's data)
 *             +8  canary      (address >> 4) ^ secret: checked on free, the footer of
 *                              the block before (an overflow hits it first)
 *             +12 size|flags  bytes to the next header (multiple of 16); FREE,
 *                              PREV_FREE, DECOMMITTED
 *             +16 data ...    (free blocks: next_free, prev_free links)
 *   top-16:   the sentinel, a used header of size 0 that ends every walk
 *
 *   a free block with DECOMMITTED:
 *   | hdr+links | ...... whole pages given back to the provider ...... | next hdr |
 *   b           lo = page after b+32                     hi = page of b+size
 *
 * Free blocks sit in lists[fl][sl]: fl = floor(log2(size)) - 8 for sizes >= 512 with 32
 * linear subdivisions each; sizes below 512 have exact 16-byte lists in fl 0. Two
 * bitmaps find the first non-empty list at or above a size in O(1) (find first set).
 * A request is rounded up to its list's next boundary before the search, so any block
 * found fits; if none does, the request's own list is scanned (at most 16 entries)
 * before the area grows. The block is split exactly: only the search is rounded, not
 * the memory (waste: 16-byte granularity plus the 8-byte header).
 * Invariants: no two free blocks are adjacent (they merge on free); a free block's
 * successor has PREV_FREE set and points back at it; every header lies in a committed
 * page; only DECOMMITTED free blocks have uncommitted pages, exactly [lo, hi).
 * Worst cases: tlsf_alloc and tlsf_free do a bounded number of list operations (no
 * loops over blocks); the provider is called at most twice (commit a reused block's
 * pages, or grow; release a freed interior, or trim).
 */
#include "tlsf.h"
#include "errno.h"
#include "string.h"

struct tlsf_block {
    struct tlsf_block *prev_phys;
    uint32_t canary;
    uint32_t size;
    struct tlsf_block *next_free;        /* free blocks only */
    struct tlsf_block *prev_free;
};
ASSERT_OFFSET(struct tlsf_block, canary, 8);
ASSERT_OFFSET(struct tlsf_block, size, 12);
ASSERT_OFFSET(struct tlsf_block, next_free, 16);

#define HEADER      16u
#define FREE        1u                   /* this block is free */
#define PREV_FREE   2u                   /* the block before this one is free */
#define DECOMMITTED 4u                   /* free, and its interior pages are not backed */
#define FLAGS       15u
#define SMALL       (1u << TLSF_FL_SHIFT)
#define PAGE        ((uintptr_t)HEAP_PAGE_SIZE)
#define SCAN_LIMIT  16

#define inline_always inline __attribute__((always_inline))

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
    return ALIGN_UP((uintptr_t)b + 2 * HEADER, PAGE);
}

static inline_always uintptr_t interior_hi(const struct tlsf_block *b, size_t size)
{
    return ALIGN_DOWN((uintptr_t)b + size, PAGE);
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

static inline_always void insert(struct tlsf *t, struct tlsf_block *b)
{
    unsigned fl, sl;
    mapping(size_of(b), &fl, &sl);
    struct tlsf_block *head = t->lists[fl][sl];
    b->next_free = head;
    b->prev_free = NULL;
    if (head)
        head->prev_free = b;
    t->lists[fl][sl] = b;
    t->fl_bitmap |= 1u << fl;
    t->sl_bitmap[fl] |= 1u << sl;
    t->free_blocks++;
}

static inline_always void unlink(struct tlsf *t, struct tlsf_block *b)
{
    struct tlsf_block *next = b->next_free, *prev = b->prev_free;
    if (next)
        next->prev_free = prev;
    if (prev) {
        prev->next_free = next;
    } else {
        unsigned fl, sl;
        mapping(size_of(b), &fl, &sl);
        t->lists[fl][sl] = next;
        if (!next) {
            t->sl_bitmap[fl] &= ~(1u << sl);
            if (!t->sl_bitmap[fl])
                t->fl_bitmap &= ~(1u << fl);
        }
    }
    t->free_blocks--;
}

/* Take `b`, the head of lists[fl][sl], off its list: unlink without a mapping. */
static inline_always void unlink_head(struct tlsf *t, struct tlsf_block *b, unsigned fl,
                                      unsigned sl)
{
    struct tlsf_block *next = b->next_free;
    t->lists[fl][sl] = next;
    if (next) {
        next->prev_free = NULL;
    } else {
        t->sl_bitmap[fl] &= ~(1u << sl);
        if (!t->sl_bitmap[fl])
            t->fl_bitmap &= ~(1u << fl);
    }
    t->free_blocks--;
}

/* A free block of at least `size` bytes, or NULL: O(1) through the two bitmaps, then a
 * bounded look through the request's own list (whose blocks may or may not fit).
 * *head_fl is the list of a block found at the head of its list, or TLSF_FL_COUNT. */
static inline_always struct tlsf_block *find(const struct tlsf *t, size_t size,
                                             unsigned *head_fl, unsigned *head_sl)
{
    unsigned fl, sl;
    *head_fl = TLSF_FL_COUNT;
    size_t rounded = size;
    if (size >= SMALL)
        rounded += ((size_t)1 << (fls_size(size) - TLSF_SL_LOG2)) - 1;
    mapping(rounded, &fl, &sl);
    if (fl < TLSF_FL_COUNT) {
        uint32_t sl_map = t->sl_bitmap[fl] & (~0u << sl);
        if (!sl_map) {
            uint32_t fl_map = t->fl_bitmap & (~0u << (fl + 1));
            if (fl_map) {
                fl = (unsigned)__builtin_ctz(fl_map);
                sl_map = t->sl_bitmap[fl];
            }
        }
        if (sl_map) {
            *head_fl = fl;
            *head_sl = (unsigned)__builtin_ctz(sl_map);
            return t->lists[fl][*head_sl];
        }
    }
    if (rounded == size)
        return NULL;                                   /* exact lists: nothing fits */
    mapping(size, &fl, &sl);
    unsigned n = 0;
    for (struct tlsf_block *b = t->lists[fl][sl]; b && n < SCAN_LIMIT; b = b->next_free, n++)
        if (size_of(b) >= size)
            return b;
    return NULL;
}

/* ---- committed pages ---- */

static inline_always bool page_committed(const struct tlsf *t, uintptr_t address)
{
    uint64_t page = (address - t->base) / PAGE;
    return t->committed[page / 64] & (1ull << (page % 64));
}

static void mark(struct tlsf *t, uintptr_t from, uintptr_t to, bool backed)
{
    uint64_t page = (from - t->base) / PAGE, end = (to - t->base) / PAGE;
    t->committed_pages += backed ? end - page : page - end;
    t->pages_moved += end - page;
    while (page < end) {                               /* a word at a time */
        uint64_t bit = page % 64, n = end - page < 64 - bit ? end - page : 64 - bit;
        uint64_t mask = (n == 64 ? ~0ull : (1ull << n) - 1) << bit;
        if (backed)
            t->committed[page / 64] |= mask;
        else
            t->committed[page / 64] &= ~mask;
        page += n;
    }
}

/* Back [from, to) (page aligned, every page unbacked). 0 or the provider's error. */
static int commit(struct tlsf *t, uintptr_t from, uintptr_t to)
{
    if (from >= to)
        return 0;
    int err = t->provider->commit(t->provider->ctx, from, to - from);
    if (!err) {
        mark(t, from, to, true);
        t->commits++;
    }
    return err;
}

/* Give back [from, to) (page aligned, every page backed). */
static void release(struct tlsf *t, uintptr_t from, uintptr_t to)
{
    if (from >= to)
        return;
    t->provider->release(t->provider->ctx, from, to - from);
    mark(t, from, to, false);
    t->releases++;
}

/* Give back the backed pages of [from, to), run by run. */
static void release_backed(struct tlsf *t, uintptr_t from, uintptr_t to)
{
    while (from < to) {
        while (from < to && !page_committed(t, from))
            from += PAGE;
        uintptr_t end = from;
        while (end < to && page_committed(t, end))
            end += PAGE;
        release(t, from, end);
        from = end;
    }
}

/* Back a DECOMMITTED free block's interior again; 0 or -ENOMEM (nothing changes). */
static int restore(struct tlsf *t, struct tlsf_block *b)
{
    if (!(b->size & DECOMMITTED))
        return 0;
    if (commit(t, interior_lo(b), interior_hi(b, size_of(b))))
        return -ENOMEM;
    b->size &= ~DECOMMITTED;
    return 0;
}

/* ---- allocation ---- */

void tlsf_init(struct tlsf *t, uintptr_t base, size_t size, const struct heap_provider *p,
               uint32_t secret)
{
    memset(t, 0, sizeof(*t));                          /* no temporary: 16 KiB struct */
    t->base = t->top = base;
    t->provider = p;
    t->secret = secret;
    if (size > TLSF_MAX_AREA)
        size = TLSF_MAX_AREA;                          /* and block sizes fit 32 bits */
    t->limit = base + ALIGN_DOWN(size, PAGE);
}

/* Commit more area so that a free block of at least `need` bytes ends at the new
 * sentinel; return that block (in its list), or NULL. The free last block, if any,
 * is extended rather than left beside a new one. */
static struct tlsf_block *grow(struct tlsf *t, size_t need)
{
    struct tlsf_block *last = NULL;
    size_t have = 0, extra = 0;
    if (t->top == t->base) {
        extra = HEADER;                                /* the first commit holds the sentinel */
    } else {
        struct tlsf_block *sentinel = at(t->top - HEADER);
        if (sentinel->size & PREV_FREE) {
            last = sentinel->prev_phys;
            have = size_of(last);
            if (have >= need)                          /* fits, but its list was skipped */
                return last;
        }
    }
    size_t exact = ALIGN_UP(need - have + extra, PAGE);
    size_t n = exact < TLSF_GROW_MIN ? TLSF_GROW_MIN : exact;
    size_t room = t->limit - t->top;
    if (n > room)
        n = exact;
    if (n > room || (last && restore(t, last)))
        return NULL;
    if (commit(t, t->top, t->top + n) != 0) {
        if (n == exact || commit(t, t->top, t->top + exact) != 0)
            return NULL;
        n = exact;
    }
    struct tlsf_block *b;
    if (t->top == t->base) {
        b = at(t->base);
        set_header(t, b, n - HEADER, FREE);
    } else {
        b = at(t->top - HEADER);                       /* the old sentinel */
        set_header(t, b, n, FREE | (b->size & PREV_FREE));
        if (last) {
            unlink(t, last);
            set_header(t, last, size_of(last) + n, FREE | (last->size & PREV_FREE));
            b = last;
        }
    }
    t->top += n;
    struct tlsf_block *sentinel = at(t->top - HEADER);
    set_header(t, sentinel, 0, PREV_FREE);
    sentinel->prev_phys = b;
    insert(t, b);
    return b;
}

/* Carve an aligned block out of free, backed block `b` (already unlinked): the gap in
 * front becomes a free block of its own (at least TLSF_MIN_BLOCK, never adjacent to
 * another free block because b's predecessor is used). */
static struct tlsf_block *align_block(struct tlsf *t, struct tlsf_block *b, size_t align)
{
    uintptr_t data = (uintptr_t)b + HEADER;
    size_t gap = ALIGN_UP(data, align) - data;
    if (gap == 0)
        return b;
    if (gap < TLSF_MIN_BLOCK)
        gap += align;
    struct tlsf_block *rest = at((uintptr_t)b + gap);
    set_header(t, rest, size_of(b) - gap, FREE | PREV_FREE);
    rest->prev_phys = b;
    next_of(rest)->prev_phys = rest;
    set_header(t, b, gap, FREE | (b->size & PREV_FREE));
    insert(t, b);
    return rest;
}

/* Mark unlinked free block `b` used with `need` bytes, returning its tail to a list.
 * `decommitted`: b's pages from the tail's header on are still unbacked. */
static inline_always void use(struct tlsf *t, struct tlsf_block *b, size_t need,
                              bool decommitted)
{
    size_t total = size_of(b);
    uint32_t flags = b->size & PREV_FREE;
    if (total - need >= TLSF_MIN_BLOCK) {
        struct tlsf_block *rest = at((uintptr_t)b + need);
        bool unbacked = decommitted && interior_hi(rest, total - need) > interior_lo(rest);
        set_header(t, rest, total - need, FREE | (unbacked ? DECOMMITTED : 0));
        next_of(rest)->prev_phys = rest;             /* its PREV_FREE is already set */
        insert(t, rest);
        set_header(t, b, need, flags);
    } else {
        b->size = (uint32_t)total | flags;
        next_of(b)->size &= ~PREV_FREE;
    }
    t->used_bytes += size_of(b);
    t->used_blocks++;
}

static inline_always size_t block_size_for(size_t size)
{
    size_t need = ALIGN_UP(size + TLSF_OVERHEAD, TLSF_ALIGN);
    return need < TLSF_MIN_BLOCK ? TLSF_MIN_BLOCK : need;
}

/* Everything tlsf_alloc's straight path does not do: alignment, blocks whose pages
 * were given back, growing the area. */
static __attribute__((noinline)) void *alloc_slow(struct tlsf *t, size_t size, size_t align)
{
    if (size > TLSF_MAX_REQUEST || align == 0 || (align & (align - 1)))
        return NULL;
    size_t need = block_size_for(size);
    size_t search = align > TLSF_ALIGN ? need + align + TLSF_MIN_BLOCK : need;
    unsigned fl, sl;
    struct tlsf_block *b = find(t, search, &fl, &sl);
    if (!b && !(b = grow(t, search)))
        return NULL;
    bool decommitted = false;
    if (b->size & DECOMMITTED) {
        if (align > TLSF_ALIGN) {                      /* rare: back all of it */
            if (restore(t, b))
                return NULL;
        } else {                                       /* back what the block will use */
            size_t total = size_of(b);
            uintptr_t lo = interior_lo(b), hi = interior_hi(b, total);
            uintptr_t end = total - need >= TLSF_MIN_BLOCK
                ? ALIGN_UP((uintptr_t)b + need + 2 * HEADER, PAGE) : hi;
            if (commit(t, lo, end < hi ? end : hi))
                return NULL;
            b->size &= ~DECOMMITTED;
            decommitted = end < hi;
        }
    }
    unlink(t, b);
    if (align > TLSF_ALIGN)
        b = align_block(t, b, align);
    use(t, b, need, decommitted);
    return (char *)b + HEADER;
}

void *tlsf_alloc(struct tlsf *t, size_t size, size_t align)
{
    if (__builtin_expect(align == TLSF_ALIGN && size <= TLSF_MAX_REQUEST, 1)) {
        size_t need = block_size_for(size);
        unsigned fl, sl;
        struct tlsf_block *b = find(t, need, &fl, &sl);
        if (__builtin_expect(b && !(b->size & DECOMMITTED), 1)) {
            if (fl < TLSF_FL_COUNT)
                unlink_head(t, b, fl, sl);
            else
                unlink(t, b);
            use(t, b, need, false);
            return (char *)b + HEADER;
        }
    }
    return alloc_slow(t, size, align);
}

/* ---- release ---- */

/* 0 if `b` is the header of a live block; -EINVAL (not a block, or corrupted) or
 * -ENOENT (a block that is free: double free). Reads only backed pages: an unbacked
 * page inside the area can only be the interior of a free block. */
static inline_always int check_live(const struct tlsf *t, const struct tlsf_block *b)
{
    uintptr_t p = (uintptr_t)b;
    if (t->top == t->base || (p & (TLSF_ALIGN - 1)) || p < t->base ||
        p > t->top - HEADER - TLSF_MIN_BLOCK)
        return -EINVAL;
    if (!page_committed(t, p))
        return -ENOENT;
    if (b->canary != canary(t, b))
        return -EINVAL;
    if (b->size & FREE)
        return -ENOENT;
    if (size_of(b) < TLSF_MIN_BLOCK || size_of(b) > t->top - HEADER - p)
        return -EINVAL;
    return 0;
}

/* A free neighbour we are about to merge with must look exactly like one. */
static inline_always bool is_sane_free(const struct tlsf *t, const struct tlsf_block *b)
{
    uintptr_t p = (uintptr_t)b;
    return !(p & (TLSF_ALIGN - 1)) && p >= t->base && p <= t->top - HEADER - TLSF_MIN_BLOCK &&
           page_committed(t, p) && b->canary == canary(t, b) && (b->size & FREE) &&
           size_of(b) >= TLSF_MIN_BLOCK && size_of(b) <= t->top - HEADER - p;
}

/* The end of a free whose merged block gives pages back or ends the area. */
static __attribute__((noinline)) void free_slow(struct tlsf *t, struct tlsf_block *b,
                                               size_t size, uint32_t flags, uintptr_t keep_lo,
                                               uintptr_t keep_hi)
{
    uintptr_t lo = interior_lo(b), hi = interior_hi(b, size);
    if (hi > lo && ((flags & DECOMMITTED) || hi - lo >= TLSF_DECOMMIT_MIN)) {
        release(t, keep_lo > lo ? keep_lo : lo, keep_hi < hi ? keep_hi : hi);
        flags |= DECOMMITTED;
    }
    set_header(t, b, size, flags);
    struct tlsf_block *next = next_of(b);
    next->prev_phys = b;
    next->size |= PREV_FREE;
    insert(t, b);
    if ((uintptr_t)next == t->top - HEADER && size > TLSF_TRIM_THRESHOLD)
        tlsf_trim(t, TLSF_TRIM_KEEP);
}

int tlsf_free(struct tlsf *t, void *ptr)
{
    struct tlsf_block *b = at((uintptr_t)ptr - HEADER);
    int err = check_live(t, b);
    if (err)
        return err;
    struct tlsf_block *next = next_of(b), *prev = NULL;
    if (!page_committed(t, (uintptr_t)next) || next->canary != canary(t, next))
        return -EFAULT;                                /* overflow into the next header */
    if (next->size & FREE && (size_of(next) < TLSF_MIN_BLOCK ||      /* canary checked */
                              size_of(next) > t->top - HEADER - (uintptr_t)next))
        return -EFAULT;
    if (b->size & PREV_FREE) {
        prev = b->prev_phys;
        if (!is_sane_free(t, prev) || next_of(prev) != b)
            return -EFAULT;
    }

    size_t size = size_of(b);
    t->used_bytes -= size;
    t->used_blocks--;
    b->size |= FREE;                   /* stays readable: a second free says "double" */
    uintptr_t keep_lo = 0, keep_hi = ~(uintptr_t)0;   /* unbacked parts of neighbours */
    uint32_t unbacked = 0;
    if (prev) {
        unlink(t, prev);
        if (prev->size & DECOMMITTED) {
            keep_lo = interior_hi(prev, size_of(prev));
            unbacked = DECOMMITTED;
        }
        size += size_of(prev);
        b = prev;
    }
    if (next->size & FREE) {
        unlink(t, next);
        if (next->size & DECOMMITTED) {
            keep_hi = interior_lo(next);
            unbacked = DECOMMITTED;
        }
        size += size_of(next);
    }
    /* Give the interior back when it is big, or when part of it is unbacked already
     * (so a block is either all backed or has exactly [lo, hi) unbacked); shrink the
     * area when the block ends it. Both are rare: free_slow. */
    uint32_t flags = FREE | (b->size & PREV_FREE);
    next = at((uintptr_t)b + size);
    uintptr_t lo = interior_lo(b), hi = interior_hi(b, size);
    if (__builtin_expect(unbacked || (hi > lo && hi - lo >= TLSF_DECOMMIT_MIN) ||
                         (uintptr_t)next == t->top - HEADER, 0)) {
        free_slow(t, b, size, flags | unbacked, keep_lo, keep_hi);
        return 0;
    }
    set_header(t, b, size, flags);
    next->prev_phys = b;
    next->size |= PREV_FREE;
    insert(t, b);
    return 0;
}

int tlsf_validate(const struct tlsf *t, const void *ptr)
{
    return check_live(t, at((uintptr_t)ptr - HEADER));
}

size_t tlsf_usable_size(const struct tlsf *t, const void *ptr)
{
    const struct tlsf_block *b = at((uintptr_t)ptr - HEADER);
    return check_live(t, b) ? 0 : size_of(b) - TLSF_OVERHEAD;
}

bool tlsf_resize(struct tlsf *t, void *ptr, size_t size)
{
    struct tlsf_block *b = at((uintptr_t)ptr - HEADER);
    if (size > TLSF_MAX_REQUEST || check_live(t, b))
        return false;
    size_t need = block_size_for(size), cur = size_of(b);
    uint32_t flags = b->size & PREV_FREE;
    struct tlsf_block *next = next_of(b);
    if (next->canary != canary(t, next) || (next->size & FREE && !is_sane_free(t, next)))
        return false;                                  /* never build on a corrupted one */
    if (need > cur && (!(next->size & FREE) || cur + size_of(next) < need))
        return false;
    if (next->size & FREE && restore(t, next))
        return false;                                  /* its pages are needed below */
    if (need > cur) {                                  /* absorb the free successor */
        unlink(t, next);
        t->used_bytes += size_of(next);
        cur += size_of(next);
        set_header(t, b, cur, flags);
        next = next_of(b);
        next->size &= ~PREV_FREE;
    }
    if (cur - need >= TLSF_MIN_BLOCK) {                /* give the tail back */
        struct tlsf_block *rest = at((uintptr_t)b + need);
        size_t rest_size = cur - need;
        if (next->size & FREE) {
            unlink(t, next);
            rest_size += size_of(next);
        }
        set_header(t, rest, rest_size, FREE);
        next_of(rest)->prev_phys = rest;
        next_of(rest)->size |= PREV_FREE;
        insert(t, rest);
        set_header(t, b, need, flags);
        t->used_bytes -= cur - need;
    }
    return true;
}

void tlsf_trim(struct tlsf *t, size_t keep)
{
    if (t->top == t->base || !(at(t->top - HEADER)->size & PREV_FREE))
        return;
    struct tlsf_block *last = at(t->top - HEADER)->prev_phys;
    uintptr_t l = (uintptr_t)last;
    if (l == t->base && keep == 0) {                   /* nothing left in use: all of it */
        unlink(t, last);
        release_backed(t, t->base, t->top);
        t->top = t->base;
        return;
    }
    if (keep < TLSF_MIN_BLOCK)
        keep = TLSF_MIN_BLOCK;
    uintptr_t new_top = ALIGN_UP(l + keep + HEADER, PAGE), sentinel_page = new_top - PAGE;
    if (new_top >= t->top)
        return;
    if (!page_committed(t, sentinel_page) && commit(t, sentinel_page, new_top))
        return;                                        /* no page for the new sentinel */
    unlink(t, last);
    uint32_t flags = FREE | (last->size & PREV_FREE);
    if ((last->size & DECOMMITTED) && sentinel_page > interior_lo(last))
        flags |= DECOMMITTED;                          /* [lo, sentinel_page) stays unbacked */
    set_header(t, last, new_top - HEADER - l, flags);
    insert(t, last);
    struct tlsf_block *sentinel = at(new_top - HEADER);
    set_header(t, sentinel, 0, PREV_FREE);
    sentinel->prev_phys = last;
    release_backed(t, new_top, t->top);
    t->top = new_top;
}

size_t tlsf_largest_free(const struct tlsf *t)
{
    if (!t->fl_bitmap)
        return 0;
    unsigned fl = 31 - (unsigned)__builtin_clz(t->fl_bitmap);
    unsigned sl = 31 - (unsigned)__builtin_clz(t->sl_bitmap[fl]);
    size_t largest = 0;
    for (const struct tlsf_block *b = t->lists[fl][sl]; b; b = b->next_free)
        if (size_of(b) > largest)
            largest = size_of(b);
    return largest - TLSF_OVERHEAD;
}

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
    for (uintptr_t p = t->base; p < t->base + TLSF_MAX_AREA && p < t->limit; p += PAGE)
        backed += page_committed(t, p);
    if (backed != t->committed_pages)
        FAIL("committed page count");
    if (t->top == t->base) {
        if (t->fl_bitmap || t->free_blocks || t->used_blocks || backed)
            FAIL("empty area with blocks or pages");
        return 0;
    }
    if (!pages_are(t, t->top, t->limit, false))
        FAIL("backed page above the top");
    uint64_t free_blocks = 0, used_blocks = 0, used_bytes = 0;
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
        if (b->size & DECOMMITTED) {
            uintptr_t lo = interior_lo(b), hi = interior_hi(b, size_of(b));
            if (!(b->size & FREE) || hi <= lo || !pages_are(t, lo, hi, false) ||
                !pages_are(t, start, lo, true) || !pages_are(t, hi, end, true))
                FAIL("decommitted block with wrong pages");
        } else if (!pages_are(t, start, end, true)) {
            FAIL("block with unbacked pages");
        }
        if (b->size & FREE) {
            if (prev_free)
                FAIL("two adjacent free blocks");
            free_blocks++;
        } else {
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
    if (used_blocks != t->used_blocks || used_bytes != t->used_bytes)
        FAIL("used counters");
    return 0;
#undef FAIL
}
