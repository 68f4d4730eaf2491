/*
 * tlsf.c - Two-Level Segregated Fit (tlsf.h), after Masmano et al. (ECRTS 2004) and
 * Conte's public-domain implementation, with canaries and page give-back.
 *
 * Blocks tile the area [base, top); every header is 16-byte aligned:
 *
 *   block b:  +0  prev_phys   (only while the previous block is free; otherwise it is
 *                              the last 8 bytes of the previous block's data)
 *             +8  canary      (address >> 4) ^ secret: checked on free, the footer of
 *                              the block before (an overflow hits it first)
 *             +12 size|flags  bytes to the next header (multiple of 16); FREE,
 *                              PREV_FREE, DECOMMITTED, DIRTY
 *             +16 data ...    (free blocks: free-list links at +16, dirty-list links
 *                              at +32, the latter only in blocks with an interior)
 *   top-16:   the sentinel, a used header of size 0 that ends every walk
 *
 *   a free block's interior, the pages it can give back:
 *   | header and links | ...... whole pages ...... | next header |
 *   b                  lo = page after b+48        hi = page of b+size
 *
 * Free blocks sit in lists[fl][sl]: fl = floor(log2(size)) - 8 for sizes >= 512 with 32
 * linear subdivisions each; sizes below 512 have exact 16-byte lists in fl 0. Two
 * bitmaps find the first non-empty list at or above a size in O(1) (find first set).
 * A request is rounded up to its list's next boundary before the search, so any block
 * found fits; if none does, the request's own list is scanned (at most 16 entries)
 * before the area grows. The block is split exactly: only the search is rounded, not
 * the memory (waste: 16-byte granularity plus the 8-byte header).
 *
 * Every free block enters the lists through put() and leaves through take(), which
 * also keep the dirty list: a free block with an interior is either DIRTY (backed, on
 * the dirty list) or DECOMMITTED (interior given back). purge() gives back the oldest
 * dirty interiors while dirty bytes exceed the budget (tlsf.h).
 * Invariants: no two free blocks are adjacent (they merge on free); a free block's
 * successor has PREV_FREE set and points back at it; every header lies in a backed
 * page; only DECOMMITTED free blocks have unbacked pages, exactly [lo, hi).
 * Worst cases: tlsf_alloc and tlsf_free do a bounded number of list operations; the
 * provider is called to back a reused block or grow the area, and to give back what
 * the budget no longer allows (amortised: each interior is given back once per time
 * it became dirty) or the free tail of the area.
 */
#include "tlsf.h"
#include "errno.h"
#include "string.h"
#include "tlsf_internal.h"


/* ---- the dirty list ---- */

static inline_always void dirty_remove(struct tlsf *t, struct tlsf_block *b)
{
    struct tlsf_block *next = b->dirty_next, *prev = b->dirty_prev;
    if (next)
        next->dirty_prev = prev;
    else
        t->dirty_tail = prev;
    if (prev)
        prev->dirty_next = next;
    else
        t->dirty_head = next;
    t->dirty_bytes -= interior_bytes(b);
    b->size &= ~DIRTY;
}

static inline_always void dirty_add(struct tlsf *t, struct tlsf_block *b, uintptr_t bytes)
{
    b->size |= DIRTY;
    b->dirty_prev = NULL;
    b->dirty_next = t->dirty_head;
    if (t->dirty_head)
        t->dirty_head->dirty_prev = b;
    else
        t->dirty_tail = b;
    t->dirty_head = b;
    t->dirty_bytes += bytes;
}

/* ---- the free lists: put() and take() are the only ways in and out ---- */

static inline_always void put(struct tlsf *t, struct tlsf_block *b)
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
    if (!(b->size & DECOMMITTED)) {
        uintptr_t bytes = interior_bytes(b);
        if (bytes)
            dirty_add(t, b, bytes);
    }
}

static inline_always void take(struct tlsf *t, struct tlsf_block *b)
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
    if (b->size & DIRTY)
        dirty_remove(t, b);
}

/* take() for `b` known to head lists[fl][sl]: no mapping needed. */
static inline_always void take_head(struct tlsf *t, struct tlsf_block *b, unsigned fl,
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
    if (b->size & DIRTY)
        dirty_remove(t, b);
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

/* ---- backed pages ---- */

static void mark(struct tlsf *t, uintptr_t from, uintptr_t to, bool backed)
{
    uint64_t page = (from - t->base) / PAGE, end = (to - t->base) / PAGE;
    t->committed_pages += backed ? end - page : page - end;
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
    if (!err)
        mark(t, from, to, true);
    return err;
}

/* Give back [from, to) (page aligned, every page backed). */
static void release(struct tlsf *t, uintptr_t from, uintptr_t to)
{
    if (from >= to)
        return;
    t->provider->release(t->provider->ctx, from, to - from);
    mark(t, from, to, false);
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

/* Back a DECOMMITTED free block's interior again (it becomes dirty); 0 or -ENOMEM
 * (nothing changes). */
static int restore(struct tlsf *t, struct tlsf_block *b)
{
    if (!(b->size & DECOMMITTED))
        return 0;
    if (commit(t, interior_lo(b), interior_hi(b, size_of(b))))
        return -ENOMEM;
    b->size &= ~DECOMMITTED;
    dirty_add(t, b, interior_bytes(b));
    return 0;
}

/* Give back the oldest dirty interiors while they exceed the budget. */
static __attribute__((noinline)) void purge(struct tlsf *t)
{
    uint64_t budget = t->used_bytes >> TLSF_DIRTY_SHIFT;
    if (budget < TLSF_DIRTY_MIN)
        budget = TLSF_DIRTY_MIN;
    while (t->dirty_bytes > budget && t->dirty_tail) {
        struct tlsf_block *b = t->dirty_tail;
        dirty_remove(t, b);
        release(t, interior_lo(b), interior_hi(b, size_of(b)));
        b->size |= DECOMMITTED;
    }
}

static inline_always bool over_budget(const struct tlsf *t)
{
    return t->dirty_bytes > TLSF_DIRTY_MIN &&
           t->dirty_bytes > (t->used_bytes >> TLSF_DIRTY_SHIFT);
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
            take(t, last);
            set_header(t, last, size_of(last) + n, FREE | (last->size & PREV_FREE));
            b = last;
        }
    }
    t->top += n;
    struct tlsf_block *sentinel = at(t->top - HEADER);
    set_header(t, sentinel, 0, PREV_FREE);
    sentinel->prev_phys = b;
    put(t, b);
    return b;
}

/* Carve an aligned block out of free, backed block `b` (already taken): the gap in
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
    put(t, b);
    return rest;
}

/* Mark taken free block `b` used with `need` bytes, returning its tail to a list.
 * `decommitted`: b's pages from the tail's interior on are still unbacked. */
static inline_always void use(struct tlsf *t, struct tlsf_block *b, size_t need,
                              bool decommitted)
{
    size_t total = size_of(b);
    uint32_t flags = b->size & PREV_FREE;
    if (total - need >= TLSF_MIN_BLOCK) {
        struct tlsf_block *rest = at((uintptr_t)b + need);
        set_header(t, rest, total - need, FREE);
        if (decommitted && interior_bytes(rest))
            rest->size |= DECOMMITTED;
        next_of(rest)->prev_phys = rest;             /* its PREV_FREE is already set */
        put(t, rest);
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
                ? ALIGN_UP((uintptr_t)b + need + LINKS, PAGE) : hi;
            if (commit(t, lo, end < hi ? end : hi))
                return NULL;
            decommitted = end < hi;                    /* the tail's interior stays out */
        }
    }
    take(t, b);
    b->size &= ~DECOMMITTED;
    if (align > TLSF_ALIGN)
        b = align_block(t, b, align);
    use(t, b, need, decommitted);
    return (char *)b + HEADER;
}

void *tlsf_alloc(struct tlsf *t, size_t size, size_t align)
{
    if (likely(align == TLSF_ALIGN && size <= TLSF_MAX_REQUEST)) {
        size_t need = block_size_for(size);
        unsigned fl, sl;
        struct tlsf_block *b = find(t, need, &fl, &sl);
        if (likely(b && !(b->size & DECOMMITTED))) {
            if (fl < TLSF_FL_COUNT)
                take_head(t, b, fl, sl);
            else
                take(t, b);
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

/* After a free: give back what the budget does not allow, and the area's free tail. */
static __attribute__((noinline)) void after_free(struct tlsf *t, struct tlsf_block *b)
{
    if (over_budget(t))
        purge(t);
    if ((uintptr_t)next_of(b) == t->top - HEADER && size_of(b) > TLSF_TRIM_THRESHOLD)
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
        take(t, prev);
        if (prev->size & DECOMMITTED) {
            keep_lo = interior_hi(prev, size_of(prev));
            unbacked = DECOMMITTED;
        }
        size += size_of(prev);
        b = prev;
    }
    if (next->size & FREE) {
        take(t, next);
        if (next->size & DECOMMITTED) {
            keep_hi = interior_lo(next);
            unbacked = DECOMMITTED;
        }
        size += size_of(next);
    }
    /* A block is either all backed or has exactly [lo, hi) unbacked: next to an
     * unbacked neighbour, the rest of the merged interior goes back too. */
    if (unlikely(unbacked)) {
        uintptr_t lo = interior_lo(b), hi = interior_hi(b, size);
        release(t, keep_lo > lo ? keep_lo : lo, keep_hi < hi ? keep_hi : hi);
    }
    set_header(t, b, size, FREE | unbacked | (b->size & PREV_FREE));
    next = next_of(b);
    next->prev_phys = b;
    next->size |= PREV_FREE;
    put(t, b);
    if (unlikely(over_budget(t) || (uintptr_t)next == t->top - HEADER))
        after_free(t, b);
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
    if (!page_committed(t, (uintptr_t)next) || next->canary != canary(t, next) ||
        (next->size & FREE && !is_sane_free(t, next)))
        return false;                                  /* never build on a corrupted one */
    if (need > cur && (!(next->size & FREE) || cur + size_of(next) < need))
        return false;
    if (next->size & FREE && restore(t, next))
        return false;                                  /* its pages are needed below */
    if (need > cur) {                                  /* absorb the free successor */
        take(t, next);
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
            take(t, next);
            rest_size += size_of(next);
        }
        set_header(t, rest, rest_size, FREE);
        next_of(rest)->prev_phys = rest;
        next_of(rest)->size |= PREV_FREE;
        put(t, rest);
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
        take(t, last);
        release_backed(t, t->base, t->top);
        t->top = t->base;
        return;
    }
    if (keep < LINKS)
        keep = LINKS;
    uintptr_t new_top = ALIGN_UP(l + keep + HEADER, PAGE), sentinel_page = new_top - PAGE;
    if (new_top >= t->top)
        return;
    if (!page_committed(t, sentinel_page) && commit(t, sentinel_page, new_top))
        return;                                        /* no page for the new sentinel */
    take(t, last);
    uint32_t flags = FREE | (last->size & PREV_FREE);
    if ((last->size & DECOMMITTED) && sentinel_page > interior_lo(last))
        flags |= DECOMMITTED;                          /* [lo, sentinel_page) stays unbacked */
    set_header(t, last, new_top - HEADER - l, flags);
    put(t, last);
    struct tlsf_block *sentinel = at(new_top - HEADER);
    set_header(t, sentinel, 0, PREV_FREE);
    sentinel->prev_phys = last;
    release_backed(t, new_top, t->top);
    t->top = new_top;
}

/* Read-only, and safe on an index caught half-updated (a debugger stop inside an insert
 * or remove): a first-level bit without its second-level bits, or a bit whose list is
 * still empty, gives 0 rather than clz(0) (undefined) or 0 - TLSF_OVERHEAD. */
size_t tlsf_largest_free(const struct tlsf *t)
{
    if (!t->fl_bitmap)
        return 0;
    unsigned fl = 31 - (unsigned)__builtin_clz(t->fl_bitmap);
    if (!t->sl_bitmap[fl])
        return 0;
    unsigned sl = 31 - (unsigned)__builtin_clz(t->sl_bitmap[fl]);
    size_t largest = 0;
    for (const struct tlsf_block *b = t->lists[fl][sl]; b; b = b->next_free)
        if (size_of(b) > largest)
            largest = size_of(b);
    return largest > TLSF_OVERHEAD ? largest - TLSF_OVERHEAD : 0;
}
