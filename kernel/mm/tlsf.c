/*
 * tlsf.c - Two-Level Segregated Fit (tlsf.h), after Masmano et al. (ECRTS 2004) and
 * Conte's public-domain implementation, with canaries.
 *
 * Blocks tile the area [base, top); every header is 16-byte aligned:
 *
 *   block b:  +0  prev_phys   (only while the previous block is free; otherwise it is
 *                              the last 8 bytes of the previous block's data)
 *             +8  canary      hash(address) ^ secret: checked on free, the footer of
 *                              the block before (an overflow hits it first)
 *             +12 size|flags  bytes to the next header (multiple of 16); FREE, PREV_FREE
 *             +16 data ...    (free blocks: next_free, prev_free links)
 *   top-16:   the sentinel, a used header of size 0 that ends every walk
 *
 * Free blocks sit in lists[fl][sl]: fl = floor(log2(size)) - 8 for sizes >= 512 with 32
 * linear subdivisions each; sizes below 512 have exact 16-byte lists in fl 0. Two
 * bitmaps find the first non-empty list at or above a size in O(1) (find first set).
 * A request is rounded up to its list's next boundary before the search, so any block
 * found fits; the block is then split exactly, so only the search is rounded, not the
 * memory (internal waste: at most 16 bytes of alignment plus the 8-byte header).
 * Invariants: no two free blocks are adjacent (they merge on free); a free block's
 * successor has PREV_FREE set and points back at it.
 * Worst cases: tlsf_alloc and tlsf_free do a bounded number of list operations (no
 * loops over blocks); growing or shrinking the area calls the provider once.
 */
#include "tlsf.h"
#include "errno.h"

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

#define HEADER     16u
#define FREE       1u                    /* this block is free */
#define PREV_FREE  2u                    /* the block before this one is free */
#define FLAGS      15u
#define SMALL      (1u << TLSF_FL_SHIFT)

STATIC_ASSERT(TLSF_FL_COUNT == 31 - TLSF_FL_SHIFT + 1, "first level covers sizes < 2^31");

static inline uint32_t size_of(const struct tlsf_block *b)
{
    return b->size & ~FLAGS;
}

static inline struct tlsf_block *at(uintptr_t address)
{
    return (struct tlsf_block *)address;
}

static inline struct tlsf_block *next_of(const struct tlsf_block *b)
{
    return at((uintptr_t)b + size_of(b));
}

static inline uint32_t canary(const struct tlsf *t, const void *b)
{
    return (uint32_t)(((uint64_t)(uintptr_t)b * 0x9e3779b97f4a7c15ull) >> 32) ^ t->secret;
}

static inline void set_header(const struct tlsf *t, struct tlsf_block *b, size_t size,
                              uint32_t flags)
{
    b->canary = canary(t, b);
    b->size = (uint32_t)size | flags;
}

static inline unsigned fls_size(size_t x)             /* x > 0 */
{
    return 63 - (unsigned)__builtin_clzll(x);
}

static inline void mapping(size_t size, unsigned *fl, unsigned *sl)
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

static void insert(struct tlsf *t, struct tlsf_block *b)
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

static void unlink(struct tlsf *t, struct tlsf_block *b)
{
    unsigned fl, sl;
    mapping(size_of(b), &fl, &sl);
    struct tlsf_block *next = b->next_free, *prev = b->prev_free;
    if (next)
        next->prev_free = prev;
    if (prev) {
        prev->next_free = next;
    } else {
        t->lists[fl][sl] = next;
        if (!next) {
            t->sl_bitmap[fl] &= ~(1u << sl);
            if (!t->sl_bitmap[fl])
                t->fl_bitmap &= ~(1u << fl);
        }
    }
    t->free_blocks--;
}

/* A free block of at least `size` bytes, or NULL: O(1) through the two bitmaps. */
static struct tlsf_block *find(const struct tlsf *t, size_t size)
{
    unsigned fl, sl;
    if (size >= SMALL)
        size += ((size_t)1 << (fls_size(size) - TLSF_SL_LOG2)) - 1;
    mapping(size, &fl, &sl);
    if (fl >= TLSF_FL_COUNT)
        return NULL;
    uint32_t sl_map = t->sl_bitmap[fl] & (~0u << sl);
    if (!sl_map) {
        uint32_t fl_map = t->fl_bitmap & (~0u << (fl + 1));
        if (!fl_map)
            return NULL;
        fl = (unsigned)__builtin_ctz(fl_map);
        sl_map = t->sl_bitmap[fl];
    }
    return t->lists[fl][__builtin_ctz(sl_map)];
}

void tlsf_init(struct tlsf *t, uintptr_t base, size_t size, const struct heap_provider *p,
               uint32_t secret)
{
    *t = (struct tlsf){ .base = base, .top = base, .provider = p, .secret = secret };
    if (size > (1ull << 31) - HEAP_PAGE_SIZE)
        size = (1ull << 31) - HEAP_PAGE_SIZE;          /* block sizes are 32 bits */
    t->limit = base + ALIGN_DOWN(size, HEAP_PAGE_SIZE);
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
    size_t exact = ALIGN_UP(need - have + extra, HEAP_PAGE_SIZE);
    size_t n = exact < TLSF_GROW_MIN ? TLSF_GROW_MIN : exact;
    size_t room = t->limit - t->top;
    if (n > room)
        n = exact;
    if (n > room)
        return NULL;
    if (t->provider->commit(t->provider->ctx, t->top, n) != 0) {
        if (n == exact || t->provider->commit(t->provider->ctx, t->top, exact) != 0)
            return NULL;
        n = exact;
    }
    struct tlsf_block *b;
    if (t->top == t->base) {
        b = at(t->base);
        set_header(t, b, n - HEADER, FREE);
    } else {
        b = at(t->top - HEADER);                       /* the old sentinel */
        uint32_t prev_free = b->size & PREV_FREE;
        set_header(t, b, n, FREE | prev_free);
        if (prev_free) {
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

/* Carve an aligned block out of free block `b` (already unlinked): the gap in front
 * becomes a free block of its own (at least TLSF_MIN_BLOCK, never adjacent to another
 * free block because b's predecessor is used). */
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

/* Mark unlinked free block `b` used with `need` bytes, returning its tail to a list. */
static void use(struct tlsf *t, struct tlsf_block *b, size_t need)
{
    size_t total = size_of(b);
    uint32_t flags = b->size & PREV_FREE;
    if (total - need >= TLSF_MIN_BLOCK) {
        struct tlsf_block *rest = at((uintptr_t)b + need);
        set_header(t, rest, total - need, FREE);
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

static size_t block_size_for(size_t size)
{
    size_t need = ALIGN_UP(size + TLSF_OVERHEAD, TLSF_ALIGN);
    return need < TLSF_MIN_BLOCK ? TLSF_MIN_BLOCK : need;
}

void *tlsf_alloc(struct tlsf *t, size_t size, size_t align)
{
    if (size > TLSF_MAX_REQUEST || align == 0 || (align & (align - 1)))
        return NULL;
    size_t need = block_size_for(size);
    size_t search = align > TLSF_ALIGN ? need + align + TLSF_MIN_BLOCK : need;
    struct tlsf_block *b = find(t, search);
    if (!b && !(b = grow(t, search)))
        return NULL;
    unlink(t, b);
    if (align > TLSF_ALIGN)
        b = align_block(t, b, align);
    use(t, b, need);
    return (char *)b + HEADER;
}

bool tlsf_contains(const struct tlsf *t, const void *ptr)
{
    return (uintptr_t)ptr >= t->base && (uintptr_t)ptr < t->top;
}

/* 0 if `b` is the header of a live block; -EINVAL (not a block, or corrupted) or
 * -ENOENT (a block that is free: double free). Reads only committed memory. */
static int check_live(const struct tlsf *t, const struct tlsf_block *b)
{
    uintptr_t p = (uintptr_t)b;
    if ((p & (TLSF_ALIGN - 1)) || p < t->base || p > t->top - HEADER - TLSF_MIN_BLOCK ||
        t->top == t->base)
        return -EINVAL;
    if (b->canary != canary(t, b))
        return -EINVAL;
    if (b->size & FREE)
        return -ENOENT;
    if (size_of(b) < TLSF_MIN_BLOCK || size_of(b) > t->top - HEADER - p)
        return -EINVAL;
    return 0;
}

/* A free neighbour we are about to merge with must look exactly like one. */
static bool is_sane_free(const struct tlsf *t, const struct tlsf_block *b)
{
    uintptr_t p = (uintptr_t)b;
    return !(p & (TLSF_ALIGN - 1)) && p >= t->base && p <= t->top - HEADER - TLSF_MIN_BLOCK &&
           b->canary == canary(t, b) && (b->size & FREE) && size_of(b) >= TLSF_MIN_BLOCK &&
           size_of(b) <= t->top - HEADER - p;
}

int tlsf_free(struct tlsf *t, void *ptr)
{
    struct tlsf_block *b = at((uintptr_t)ptr - HEADER);
    int err = check_live(t, b);
    if (err)
        return err;
    struct tlsf_block *next = next_of(b), *prev = NULL;
    if (next->canary != canary(t, next))
        return -EFAULT;                                /* overflow into the next header */
    if (next->size & FREE && !is_sane_free(t, next))
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
    if (prev) {
        unlink(t, prev);
        size += size_of(prev);
        b = prev;
    }
    if (next->size & FREE) {
        unlink(t, next);
        size += size_of(next);
    }
    set_header(t, b, size, FREE | (b->size & PREV_FREE));
    next = next_of(b);
    next->prev_phys = b;
    next->size |= PREV_FREE;
    insert(t, b);
    if ((uintptr_t)next == t->top - HEADER && size > TLSF_TRIM_THRESHOLD)
        tlsf_trim(t, TLSF_TRIM_KEEP);
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
    if (need > cur) {                                  /* absorb a free successor */
        if (!(next->size & FREE) || cur + size_of(next) < need)
            return false;
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
        t->provider->release(t->provider->ctx, t->base, t->top - t->base);
        t->top = t->base;
        return;
    }
    if (keep < TLSF_MIN_BLOCK)
        keep = TLSF_MIN_BLOCK;
    uintptr_t new_top = ALIGN_UP(l + keep + HEADER, HEAP_PAGE_SIZE);
    if (new_top >= t->top)
        return;
    unlink(t, last);
    set_header(t, last, new_top - HEADER - l, FREE | (last->size & PREV_FREE));
    insert(t, last);
    struct tlsf_block *sentinel = at(new_top - HEADER);
    set_header(t, sentinel, 0, PREV_FREE);
    sentinel->prev_phys = last;
    t->provider->release(t->provider->ctx, new_top, t->top - new_top);
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

int tlsf_check(const struct tlsf *t, const char **why)
{
#define FAIL(text) do { *why = (text); return -EFAULT; } while (0)
    if (t->top == t->base) {
        if (t->fl_bitmap || t->free_blocks || t->used_blocks)
            FAIL("empty area with blocks");
        return 0;
    }
    uint64_t free_blocks = 0, used_blocks = 0, used_bytes = 0;
    bool prev_free = false;
    const struct tlsf_block *prev = NULL, *b = at(t->base);
    while ((uintptr_t)b != t->top - HEADER) {
        if ((uintptr_t)b > t->top - HEADER - TLSF_MIN_BLOCK)
            FAIL("block runs past the sentinel");
        if (b->canary != canary(t, b))
            FAIL("bad canary");
        if (size_of(b) < TLSF_MIN_BLOCK || size_of(b) % TLSF_ALIGN)
            FAIL("bad block size");
        if (!!(b->size & PREV_FREE) != prev_free)
            FAIL("PREV_FREE disagrees with the previous block");
        if (prev_free && b->prev_phys != prev)
            FAIL("prev_phys does not point at the free predecessor");
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
