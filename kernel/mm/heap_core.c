/*
 * heap_core.c - the kernel heap's engine (heap_core.h).
 *
 *   window  [base ............ base+size/2 ............ base+size)
 *            slab pages -> grow up     TLSF area -> grows up (tlsf.c)
 *
 *   slab page (4 KiB, page aligned, one size class):
 *   +----------+----------+-----+------------------+------+-------------------+
 *   | object 0 | object 1 | ... | object cap-1     | slack| struct slab (80 B)|
 *   +----------+----------+-----+------------------+------+-------------------+
 *   page                                                  page + 4016
 *
 * Small requests (<= 256 B) go to one of 16 classes 16, 32, ... 256 bytes; objects
 * carry no header, so a 100-byte object costs 112 bytes. The slab header repeats its
 * class's size, capacity and reciprocal so that kfree reads one cache line. Objects are naturally aligned
 * to the largest power of two dividing their class size (64-byte objects are 64-byte
 * aligned), which aligned requests up to 256 B use. Larger and other aligned requests
 * go to TLSF (8-byte header, 16-byte granularity).
 *
 * Checks, cheap enough for every call:
 *   - slab header: magic = page ^ secret, checked on every free (catches pointers into
 *     pages that are not live slabs); the object index must fall exactly on an object;
 *   - allocation bitmap, one bit per object: a free of a clear bit is a double free
 *     (or a pointer never handed out), caught deterministically, with no object header;
 *   - free-list links are stored as next ^ address ^ secret and must decode into the
 *     same page, on an object whose bit is clear: an overflow or a use-after-free write
 *     into a free object is caught when the list reaches it, and the slab is taken out
 *     of use (leaked) instead of handing out garbage;
 *   - TLSF blocks: header canary checked on free, the next header's canary is the
 *     footer (an overflow past the block breaks it), neighbours are checked before any
 *     merge (tlsf.c).
 * Not caught: an overflow from one live slab object into the next live one (there is
 * no red zone between them); it surfaces only when that memory is freed and reused.
 *
 * Worst cases: heap_alloc/heap_free are O(1) except (a) a class with no partial slab
 * builds one (a loop over its objects, <= 251, amortised over them), (b) the provider
 * is called to grow or shrink, (c) releasing empty slab pages at the top, one per page
 * emptied (amortised O(1)). TLSF is O(1) (tlsf.c). The common cases (a slab with a
 * free object; a free into a live slab) are straight-line code of about 55 and 50
 * instructions (docs/memory.md), with every rarer case in a function of its own. Memory: empty slab pages below the
 * top are kept for reuse by any class (the window shrinks from the top only, so a page
 * below a live one stays committed); heap_trim gives back everything it can.
 */
#include "heap_core.h"
#include "errno.h"
#include "heap_internal.h"
#include "kprintf.h"
#include "mm_report.h"
#include "string.h"


static void list_push(struct slab **head, struct slab *s)
{
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

static void list_remove(struct slab **head, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

/* ---- the provider, counted ---- */

static int counted_commit(void *ctx, uintptr_t virt, size_t len)
{
    struct heap *h = ctx;
    int err = h->provider.commit(h->provider.ctx, virt, len);
    h->provider_calls++;
    if (!err) {
        h->provider_pages += len / HEAP_PAGE_SIZE;
        h->committed += len;
        if (h->committed > h->peak_committed)
            h->peak_committed = h->committed;
    }
    return err;
}

static void counted_release(void *ctx, uintptr_t virt, size_t len)
{
    struct heap *h = ctx;
    h->provider.release(h->provider.ctx, virt, len);
    h->provider_calls++;
    h->provider_pages += len / HEAP_PAGE_SIZE;
    h->committed -= len;
}

void heap_init(struct heap *h, uintptr_t base, size_t size, const struct heap_provider *p,
               uintptr_t secret)
{
    memset(h, 0, sizeof(*h));
    h->provider = *p;
    h->counted = (struct heap_provider){ counted_commit, counted_release, h };
    h->secret = secret;
    size_t half = ALIGN_DOWN(size / 2, HEAP_SLAB_SIZE);
    h->slab_base = h->slab_top = base;
    h->slab_limit = base + half;
    for (unsigned i = 0; i < HEAP_CLASSES; i++) {
        struct heap_class *c = &h->classes[i];
        c->size = (i + 1) * HEAP_MIN_ALIGN;
        c->capacity = (uint32_t)(SLAB_HEADER_OFFSET / c->size);
        c->reciprocal = (uint32_t)(((1ull << 32) + c->size - 1) / c->size);
    }
    tlsf_init(&h->tlsf, base + half, ALIGN_DOWN(size - half, HEAP_SLAB_SIZE), &h->counted,
              (uint32_t)(secret ^ (secret >> 32)));
}

/* ---- reports ---- */

static __noinline int report(struct heap *h, int err, const void *ptr, const void *caller)
{
    h->bad_frees++;
    if (err == -ENOENT)
        kprintf(ANSI_RED "heap: double free of %p" ANSI_RESET, ptr);
    else if (err == -EFAULT)
        kprintf(ANSI_RED "heap: the block at %p or its neighbour has an overwritten canary "
                "(an overflow?); not freed" ANSI_RESET, ptr);
    else
        kprintf(ANSI_RED "heap: free of %p, which the heap never gave out (or whose header is "
                "corrupted)" ANSI_RESET, ptr);
    mm_print_caller(caller);
    return err;
}

/* ---- slabs: the slow paths ---- */

static struct slab *slab_new(struct heap *h, struct heap_class *c, unsigned index)
{
    struct slab *s;
    uintptr_t page;
    if (h->empty) {
        s = h->empty;
        list_remove(&h->empty, s);
        h->empty_pages--;
        page = page_of(s);
    } else {
        if (h->slab_top >= h->slab_limit ||
            counted_commit(h, h->slab_top, HEAP_SLAB_SIZE) != 0)
            return NULL;
        page = h->slab_top;
        h->slab_top += HEAP_SLAB_SIZE;
        s = slab_of(page);
    }
    s->magic = live_magic(h, page);
    s->size = c->size;
    s->reciprocal = c->reciprocal;
    s->capacity = (uint16_t)c->capacity;
    s->used = 0;
    s->class_index = (uint16_t)index;
    memset(s->bitmap, 0, sizeof(s->bitmap));
    uintptr_t obj = page, last = page + (c->capacity - 1) * (uintptr_t)c->size;
    for (; obj < last; obj += c->size)
        *(uintptr_t *)obj = encode(h, obj + c->size, obj);
    *(uintptr_t *)last = encode(h, 0, last);
    s->free = page;
    list_push(&c->partial, s);
    s->listed = 1;
    c->slabs++;
    return s;
}

/* Give back the empty pages at the top of the slab area. */
static void shrink_slabs(struct heap *h)
{
    while (h->slab_top > h->slab_base) {
        uintptr_t page = h->slab_top - HEAP_SLAB_SIZE;
        struct slab *s = slab_of(page);
        if (s->magic != empty_magic(h, page))
            break;
        list_remove(&h->empty, s);
        h->empty_pages--;
        h->slab_top = page;
        counted_release(h, page, HEAP_SLAB_SIZE);
    }
}

static void retire(struct heap *h, struct heap_class *c, struct slab *s)
{
    list_remove(&c->partial, s);
    s->listed = 0;
    c->slabs--;
    s->magic = empty_magic(h, page_of(s));
    list_push(&h->empty, s);
    h->empty_pages++;
    shrink_slabs(h);
}

/* A link decoded to garbage: report, and never use this slab again (its live objects
 * leak; handing out corrupted memory would be worse). */
static void quarantine(struct heap *h, struct heap_class *c, struct slab *s, uintptr_t obj)
{
    h->bad_frees++;
    kprintf(ANSI_RED "heap: corrupted free list in the %u-byte slab at %p (object %p "
            "overwritten after free?); slab taken out of use" ANSI_RESET "\n", c->size,
            (void *)page_of(s), (void *)obj);
    list_remove(&c->partial, s);
    s->listed = 0;
    s->magic = 0;
    c->slabs--;
}

/* Pop `obj`, the first free object of `s`, if it and its link check out; 0 if not. */
static inline uintptr_t slab_pop(struct heap *h, struct slab *s, uintptr_t obj)
{
    uintptr_t next = *(uintptr_t *)obj ^ obj ^ h->secret;
    uint32_t offset = (uint32_t)obj & (HEAP_SLAB_SIZE - 1);
    uint32_t idx = (uint32_t)(((uint64_t)offset * s->reciprocal) >> 32);
    uint64_t *word = &s->bitmap[(idx / 64) & (SLAB_WORDS - 1)], bit = 1ull << (idx % 64);
    if (unlikely(idx * s->size != offset || idx >= s->capacity || (*word & bit) ||
                 ((next ^ obj) >= HEAP_SLAB_SIZE && next)))
        return 0;
    *word |= bit;
    s->free = next;
    s->used++;
    return obj;
}

/* Any small allocation the fast path in heap_alloc did not finish. Full slabs stay
 * on their list until an allocation finds them there (so a slab that fills and empties
 * by one object again and again costs no list operations); they leave it here. */
static void *slab_alloc(struct heap *h, unsigned index)
{
    struct heap_class *c = &h->classes[index];
    for (;;) {
        struct slab *s = c->partial;
        if (!s && !(s = slab_new(h, c, index)))
            return NULL;
        if (!s->free) {
            list_remove(&c->partial, s);
            s->listed = 0;
            continue;
        }
        uintptr_t obj = slab_pop(h, s, s->free);
        if (obj)
            return (void *)obj;
        quarantine(h, c, s, s->free);
    }
}

/* A free into a slab that is off its list (it was full), or that left it empty. */
static __noinline int slab_refile(struct heap *h, struct slab *s)
{
    struct heap_class *c = &h->classes[s->class_index];
    if (!s->listed) {
        list_push(&c->partial, s);
        s->listed = 1;
    }
    if (s->used == 0 && (c->partial != s || s->next))
        retire(h, c, s);                      /* empty, and not the class's only slab */
    return 0;
}

/* Find the live slab object at `p` (below slab_top): 0 with its slab and bitmap bit;
 * -EINVAL (not an object) or -ENOENT (not handed out). */
static int slab_find(struct heap *h, uintptr_t p, struct slab **sp, uint64_t **wordp,
                     uint64_t *bitp)
{
    uintptr_t page = p & ~(uintptr_t)(HEAP_SLAB_SIZE - 1);
    uint32_t offset = (uint32_t)(p - page);
    struct slab *s = slab_of(page);
    if (s->magic != live_magic(h, page) || s->class_index >= HEAP_CLASSES)
        return -EINVAL;
    uint32_t idx = (uint32_t)(((uint64_t)offset * s->reciprocal) >> 32);
    if (idx * s->size != offset || idx >= s->capacity)
        return -EINVAL;
    *wordp = &s->bitmap[idx / 64];
    *bitp = 1ull << (idx % 64);
    *sp = s;
    return (**wordp & *bitp) ? 0 : -ENOENT;
}

static inline bool in_slabs(const struct heap *h, uintptr_t p)
{
    return p - h->slab_base < h->slab_top - h->slab_base;
}

/* ---- the interface ---- */

static __noinline void *heap_alloc_slow(struct heap *h, size_t size)
{
    void *p = size <= HEAP_SMALL_MAX
        ? slab_alloc(h, size ? (unsigned)(size - 1) / HEAP_MIN_ALIGN : 0)
        : tlsf_alloc(&h->tlsf, size, HEAP_MIN_ALIGN);
    if (!p)
        h->failures++;
    return p;
}

static __noinline void *heap_alloc_large(struct heap *h, size_t size)
{
    void *p = tlsf_alloc(&h->tlsf, size, HEAP_MIN_ALIGN);
    if (unlikely(!p))
        h->failures++;
    return p;
}

void *heap_alloc(struct heap *h, size_t size)
{
    if (likely(size - 1 < HEAP_SMALL_MAX)) {
        struct heap_class *c = &h->classes[(size - 1) / HEAP_MIN_ALIGN];
        struct slab *s = c->partial;
        if (likely(s != NULL)) {
            if (unlikely(!s->free)) {                  /* a full slab leaves the list */
                c->partial = s->next;
                s->listed = 0;
                s = s->next;
                if (!s)
                    return heap_alloc_slow(h, size);
                s->prev = NULL;
                if (!s->free)
                    return heap_alloc_slow(h, size);
            }
            uintptr_t obj = slab_pop(h, s, s->free);
            if (likely(obj))
                return (void *)obj;
        }
    } else if (size > HEAP_SMALL_MAX) {
        return heap_alloc_large(h, size);
    }
    return heap_alloc_slow(h, size);
}

void *heap_alloc_aligned(struct heap *h, size_t size, size_t align)
{
    if (align <= HEAP_MIN_ALIGN && align && !(align & (align - 1)))
        return heap_alloc(h, size);
    void *p = NULL;
    if (align && !(align & (align - 1)) && align <= HEAP_MAX_ALIGN) {
        if (size <= HEAP_SMALL_MAX && align <= HEAP_SMALL_MAX) {
            size_t rounded = ALIGN_UP(size ? size : 1, align);   /* a multiple of align */
            p = slab_alloc(h, (unsigned)(rounded / HEAP_MIN_ALIGN) - 1);
        } else {
            p = tlsf_alloc(&h->tlsf, size, align);
        }
    }
    if (!p)
        h->failures++;
    return p;
}

void *heap_calloc(struct heap *h, size_t count, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        h->failures++;
        return NULL;
    }
    void *p = heap_alloc(h, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

static __noinline int heap_free_large(struct heap *h, void *ptr, const void *caller)
{
    int err = tlsf_free(&h->tlsf, ptr);
    return unlikely(err) ? report(h, err, ptr, caller) : 0;
}

/* Every free the fast path in heap_free did not finish: NULL, TLSF blocks, errors. */
static __noinline int heap_free_slow(struct heap *h, void *ptr, const void *caller)
{
    uintptr_t p = (uintptr_t)ptr;
    int err;
    if (in_slabs(h, p)) {
        struct slab *s;
        uint64_t *word, bit;
        err = slab_find(h, p, &s, &word, &bit);        /* the fast path refused: an error */
    } else if (!ptr) {
        return 0;
    } else {
        err = tlsf_contains(&h->tlsf, ptr) ? tlsf_free(&h->tlsf, ptr) : -EINVAL;
    }
    return err ? report(h, err, ptr, caller) : 0;
}

int heap_free(struct heap *h, void *ptr, const void *caller)
{
    uintptr_t p = (uintptr_t)ptr;
    if (likely(in_slabs(h, p))) {
        uintptr_t page = p & ~(uintptr_t)(HEAP_SLAB_SIZE - 1);
        struct slab *s = slab_of(page);
        uint32_t offset = (uint32_t)p & (HEAP_SLAB_SIZE - 1);
        uint32_t idx = (uint32_t)(((uint64_t)offset * s->reciprocal) >> 32);
        uint64_t *word = &s->bitmap[(idx / 64) & (SLAB_WORDS - 1)], bit = 1ull << (idx % 64);
        if (likely(s->magic == live_magic(h, page) && idx * s->size == offset &&
                   idx < s->capacity && (*word & bit))) {
            *word &= ~bit;
            *(uintptr_t *)p = encode(h, s->free, p);
            s->free = p;
            if (unlikely(--s->used == 0 || !s->listed))
                return slab_refile(h, s);
            return 0;
        }
    } else if (tlsf_contains(&h->tlsf, ptr)) {
        return heap_free_large(h, ptr, caller);
    }
    return heap_free_slow(h, ptr, caller);
}

/* Usable size of a live allocation; 0 (and *err) if ptr is not one. */
static size_t live_size(struct heap *h, const void *ptr, int *err)
{
    uintptr_t p = (uintptr_t)ptr;
    if (in_slabs(h, p)) {
        struct slab *s;
        uint64_t *word, bit;
        *err = slab_find(h, p, &s, &word, &bit);
        return *err ? 0 : s->size;
    }
    *err = tlsf_contains(&h->tlsf, ptr) ? tlsf_validate(&h->tlsf, ptr) : -EINVAL;
    return *err ? 0 : tlsf_usable_size(&h->tlsf, ptr);
}

size_t heap_usable_size(struct heap *h, const void *ptr)
{
    int err;
    return ptr ? live_size(h, ptr, &err) : 0;
}

void *heap_realloc(struct heap *h, void *ptr, size_t size, const void *caller)
{
    if (!ptr)
        return heap_alloc(h, size);
    if (size == 0) {
        heap_free(h, ptr, caller);
        return NULL;
    }
    int err;
    size_t old = live_size(h, ptr, &err);
    if (err) {
        report(h, err, ptr, caller);
        return NULL;
    }
    if (in_slabs(h, (uintptr_t)ptr)) {
        if (size <= HEAP_SMALL_MAX && ALIGN_UP(size, HEAP_MIN_ALIGN) == old)
            return ptr;                                    /* same class */
    } else if (size > HEAP_SMALL_MAX && tlsf_resize(&h->tlsf, ptr, size)) {
        return ptr;
    }
    void *moved = heap_alloc(h, size);
    if (!moved)
        return NULL;
    memcpy(moved, ptr, old < size ? old : size);
    heap_free(h, ptr, caller);
    return moved;
}

void heap_trim(struct heap *h)
{
    for (unsigned i = 0; i < HEAP_CLASSES; i++) {
        for (struct slab *s = h->classes[i].partial, *next; s; s = next) {
            next = s->next;
            if (s->used == 0)
                retire(h, &h->classes[i], s);
        }
    }
    shrink_slabs(h);
    tlsf_trim(&h->tlsf, 0);
}
