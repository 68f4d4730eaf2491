/*
 * heap_check.c - heap_stats and heap_check (heap_core.h): walk the slab pages and the
 * TLSF area to count objects per class and to check every invariant heap_core.c keeps.
 * O(heap); for the `mem` command and the tests, never on an allocation path.
 */
#include "heap_core.h"
#include "errno.h"
#include "heap_internal.h"
#include "string.h"

void heap_stats(struct heap *h, struct heap_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->committed = h->committed;
    out->peak_committed = h->peak_committed;
    for (unsigned i = 0; i < HEAP_CLASSES; i++) {
        out->classes[i].size = h->classes[i].size;
        out->classes[i].slabs = h->classes[i].slabs;
    }
    for (uintptr_t page = h->slab_base; page < h->slab_top; page += HEAP_SLAB_SIZE) {
        const struct slab *s = slab_of(page);
        if (s->magic == live_magic(h, page) && s->class_index < HEAP_CLASSES)
            out->classes[s->class_index].in_use += s->used;
    }
    for (unsigned i = 0; i < HEAP_CLASSES; i++)
        out->used += out->classes[i].in_use * out->classes[i].size;
    out->used += h->tlsf.used_bytes;
    out->free = out->committed - out->used;
    out->largest_free = tlsf_largest_free(&h->tlsf);
    out->slab_pages = (h->slab_top - h->slab_base) / HEAP_SLAB_SIZE;
    out->empty_slab_pages = h->empty_pages;
    out->tlsf_bytes = h->tlsf.top - h->tlsf.base;
    out->tlsf_backed = h->tlsf.committed_pages * HEAP_PAGE_SIZE;
    out->tlsf_free_blocks = h->tlsf.free_blocks;
    out->tlsf_used_blocks = h->tlsf.used_blocks;
    out->provider_calls = h->provider_calls;
    out->provider_pages = h->provider_pages;
    out->failures = h->failures;
    out->bad_frees = h->bad_frees;
}

static unsigned bits_set(uint64_t x)                /* no POPCNT in baseline x86-64 */
{
    unsigned n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* One live slab: its copies of the class, bitmap, count and free list agree. */
static int check_slab(struct heap *h, const struct slab *s, const char **why)
{
#define FAIL(text) do { *why = (text); return -EFAULT; } while (0)
    if (s->class_index >= HEAP_CLASSES)
        FAIL("slab with a bad class");
    const struct heap_class *c = &h->classes[s->class_index];
    if (s->size != c->size || s->capacity != c->capacity || s->reciprocal != c->reciprocal)
        FAIL("slab header disagrees with its class");
    unsigned set = 0;
    for (unsigned w = 0; w < SLAB_WORDS; w++)
        set += bits_set(s->bitmap[w]);
    if (set != s->used || s->used > c->capacity)
        FAIL("slab bitmap disagrees with its count");
    unsigned free = 0;
    uintptr_t page = page_of(s);
    for (uintptr_t obj = s->free; obj; obj = *(uintptr_t *)obj ^ obj ^ h->secret) {
        uintptr_t offset = obj - page;
        if (obj < page || offset >= SLAB_HEADER_OFFSET || offset % c->size ||
            offset / c->size >= c->capacity)
            FAIL("free-list link outside its slab");
        uint64_t idx = offset / c->size;
        if (s->bitmap[idx / 64] & (1ull << (idx % 64)))
            FAIL("free list holds an allocated object");
        if (++free > c->capacity)
            FAIL("free list loops");
    }
    if (free + s->used != c->capacity)
        FAIL("free list length");
    return 0;
#undef FAIL
}

int heap_check(struct heap *h, const char **why)
{
    uint64_t slabs[HEAP_CLASSES] = { 0 }, partial[HEAP_CLASSES] = { 0 }, empty = 0;
    for (uintptr_t page = h->slab_base; page < h->slab_top; page += HEAP_SLAB_SIZE) {
        const struct slab *s = slab_of(page);
        if (s->magic == empty_magic(h, page)) {
            empty++;
            continue;
        }
        if (s->magic == 0)
            continue;                                      /* quarantined */
        if (s->magic != live_magic(h, page)) {
            *why = "slab page with a bad magic";
            return -EFAULT;
        }
        if (check_slab(h, s, why))
            return -EFAULT;
        slabs[s->class_index]++;
        partial[s->class_index] += s->listed;
        if (s->used < s->capacity && !s->listed) {
            *why = "a slab with free objects is off its list";
            return -EFAULT;
        }
    }
    if (empty != h->empty_pages) {
        *why = "empty page count";
        return -EFAULT;
    }
    for (unsigned i = 0; i < HEAP_CLASSES; i++) {
        const struct heap_class *c = &h->classes[i];
        if (slabs[i] != c->slabs) {
            *why = "class slab count disagrees with the slabs";
            return -EFAULT;
        }
        uint64_t listed = 0;
        for (const struct slab *s = c->partial; s && listed <= slabs[i]; s = s->next) {
            if (s->class_index != i || !s->listed || s->magic != live_magic(h, page_of(s))) {
                *why = "partial list holds a wrong slab";
                return -EFAULT;
            }
            listed++;
        }
        if (listed != partial[i]) {
            *why = "class list length disagrees with the listed slabs";
            return -EFAULT;
        }
    }
    return tlsf_check(&h->tlsf, why);
}
