/*
 * test_heap.c - host tests of the kernel heap engine (kernel/mm/heap_core.c, tlsf.c)
 * over an mmap'd window whose pages are committed with mprotect, so a stray access to
 * memory the heap did not commit faults here too. The model test runs random
 * alloc/free/realloc sequences of mixed sizes and alignments against a shadow bitmap
 * (16-byte granules) and content patterns: no two live blocks overlap, every pointer
 * keeps its alignment, contents survive realloc, and everything comes back at the end.
 */
#include <sys/mman.h>

#include "unit.h"
#include "host_kernel.h"
#include "errno.h"
#include "heap_core.h"

#define WINDOW (256ull << 20)

static uint8_t *window;
static uint64_t committed_pages, page_limit = UINT64_MAX;
static struct heap heap;

static int host_commit(void *ctx, uintptr_t virt, size_t len)
{
    (void)ctx;
    if (committed_pages + len / 4096 > page_limit)
        return -ENOMEM;
    if (virt % 4096 || len % 4096 || virt < (uintptr_t)window ||
        virt + len > (uintptr_t)window + WINDOW)
        UNIT_FAIL("commit outside the window: %lx+%zx", (unsigned long)virt, len);
    if (mprotect((void *)virt, len, PROT_READ | PROT_WRITE) != 0)
        UNIT_FAIL("mprotect failed");
    committed_pages += len / 4096;
    return 0;
}

static void host_release(void *ctx, uintptr_t virt, size_t len)
{
    (void)ctx;
    if (virt % 4096 || len % 4096)
        UNIT_FAIL("unaligned release");
    madvise((void *)virt, len, MADV_DONTNEED);
    mprotect((void *)virt, len, PROT_NONE);
    committed_pages -= len / 4096;
}

static const struct heap_provider provider = { host_commit, host_release, NULL };

static void fresh_heap(void)
{
    if (!window) {
        window = mmap(NULL, WINDOW, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
        CHECK(window != MAP_FAILED);
    }
    madvise(window, WINDOW, MADV_DONTNEED);
    mprotect(window, WINDOW, PROT_NONE);
    committed_pages = 0;
    page_limit = UINT64_MAX;
    heap_init(&heap, (uintptr_t)window, WINDOW, &provider, HEAP_SECRET);
}

static void check_heap(void)
{
    const char *why = "";
    if (heap_check(&heap, &why) != 0)
        UNIT_FAIL("heap_check: %s", why);
}

#define CALLER ((const void *)0x1234)

/* ---- direct tests ---- */

TEST(small_sizes_use_their_class_and_are_aligned)
{
    fresh_heap();
    for (size_t size = 0; size <= HEAP_SMALL_MAX; size++) {
        uint8_t *p = heap_alloc(&heap, size);
        CHECK(p != NULL);
        CHECK_EQ((uintptr_t)p % HEAP_MIN_ALIGN, 0);
        CHECK_EQ(heap_usable_size(&heap, p), size ? ALIGN_UP(size, 16) : 16);
        memset(p, 0xab, size);
        CHECK_EQ(heap_free(&heap, p, CALLER), 0);
    }
    /* Power-of-two classes are naturally aligned: 64 -> 64, 256 -> 256. */
    for (int i = 0; i < 40; i++) {
        CHECK_EQ((uintptr_t)heap_alloc(&heap, 64) % 64, 0);
        CHECK_EQ((uintptr_t)heap_alloc(&heap, 256) % 256, 0);
    }
    check_heap();
}

TEST(a_slab_holds_its_capacity_then_another_starts)
{
    fresh_heap();
    /* 32-byte class: (4096 - 72) / 32 = 125 objects in the first page. */
    uint8_t *first = heap_alloc(&heap, 32);
    for (int i = 1; i < 125; i++)
        CHECK_EQ((uintptr_t)heap_alloc(&heap, 32), (uintptr_t)first + 32 * i);
    CHECK_EQ(committed_pages, 1);
    uint8_t *next = heap_alloc(&heap, 32);
    CHECK_EQ((uintptr_t)next, (uintptr_t)first + 4096);
    CHECK_EQ(committed_pages, 2);
    struct heap_stats s;
    heap_stats(&heap, &s);
    CHECK_EQ(s.classes[1].in_use, 126);
    CHECK_EQ(s.classes[1].slabs, 2);
    CHECK_EQ(s.used, 126 * 32);
    check_heap();
}

TEST(large_and_aligned_requests_go_to_tlsf)
{
    fresh_heap();
    uint8_t *big = heap_alloc(&heap, 1000);
    CHECK(big >= window + WINDOW / 2);                  /* the TLSF half */
    CHECK(heap_usable_size(&heap, big) >= 1000);
    CHECK(heap_usable_size(&heap, big) < 1000 + 16 + 8);
    for (size_t align = 32; align <= HEAP_MAX_ALIGN; align *= 2) {
        uint8_t *p = heap_alloc_aligned(&heap, 300, align);
        CHECK(p != NULL);
        CHECK_EQ((uintptr_t)p % align, 0);
        memset(p, 1, 300);
        uint8_t *q = heap_alloc_aligned(&heap, 24, align);
        CHECK(q != NULL);
        CHECK_EQ((uintptr_t)q % align, 0);
        CHECK_EQ(heap_free(&heap, q, CALLER), 0);
        CHECK_EQ(heap_free(&heap, p, CALLER), 0);
        check_heap();
    }
    CHECK(heap_alloc_aligned(&heap, 16, 48) == NULL);        /* not a power of two */
    CHECK(heap_alloc_aligned(&heap, 16, 0) == NULL);
    CHECK(heap_alloc_aligned(&heap, 16, HEAP_MAX_ALIGN * 2) == NULL);
    CHECK(heap_alloc(&heap, SIZE_MAX) == NULL);
    CHECK(heap_alloc(&heap, WINDOW) == NULL);                 /* larger than the area */
    CHECK(heap_calloc(&heap, SIZE_MAX / 2, 3) == NULL);       /* count * size overflows */
    uint32_t *z = heap_calloc(&heap, 100, 4);
    for (int i = 0; i < 100; i++)
        CHECK_EQ(z[i], 0);
    CHECK_EQ(heap_free(&heap, big, CALLER), 0);
    CHECK_EQ(heap_free(&heap, z, CALLER), 0);
    check_heap();
}

TEST(double_free_is_reported_with_the_caller_and_refused)
{
    fresh_heap();
    void *small = heap_alloc(&heap, 40), *large = heap_alloc(&heap, 5000);
    void *keep = heap_alloc(&heap, 40);
    CHECK_EQ(heap_free(&heap, small, CALLER), 0);
    CHECK_EQ(heap_free(&heap, large, CALLER), 0);
    host_console_reset();
    CHECK_EQ(heap_free(&heap, small, CALLER), -ENOENT);
    CHECK(strstr(host_console_text, "heap: double free of 0x"));
    CHECK(strstr(host_console_text, "(caller 0000000000001234)"));
    CHECK_EQ(heap_free(&heap, large, CALLER), -ENOENT);
    struct heap_stats s;
    heap_stats(&heap, &s);
    CHECK_EQ(s.bad_frees, 2);
    CHECK_EQ(s.classes[2].in_use, 1);                   /* only `keep` */
    CHECK_EQ(heap_free(&heap, keep, CALLER), 0);
    check_heap();
}

TEST(foreign_pointers_are_reported_and_refused)
{
    fresh_heap();
    uint8_t *small = heap_alloc(&heap, 64), *large = heap_alloc(&heap, 3000);
    int on_stack;
    host_console_reset();
    CHECK_EQ(heap_free(&heap, &on_stack, CALLER), -EINVAL);
    CHECK(strstr(host_console_text, "which the heap never gave out"));
    CHECK_EQ(heap_free(&heap, small + 16, CALLER), -EINVAL);     /* inside an object */
    CHECK_EQ(heap_free(&heap, small + 64, CALLER), -ENOENT);     /* a slot never handed out */
    CHECK_EQ(heap_free(&heap, window + 4096 - 8, CALLER), -EINVAL);  /* the slab header */
    CHECK_EQ(heap_free(&heap, large + 32, CALLER), -EINVAL);     /* inside a TLSF block */
    CHECK_EQ(heap_free(&heap, large + 3, CALLER), -EINVAL);      /* unaligned */
    CHECK_EQ(heap_free(&heap, window + WINDOW - 64, CALLER), -EINVAL);  /* uncommitted */
    CHECK(heap_realloc(&heap, &on_stack, 10, CALLER) == NULL);
    CHECK_EQ(heap_usable_size(&heap, small + 16), 0);
    CHECK_EQ(heap_free(&heap, NULL, CALLER), 0);
    CHECK_EQ(heap_free(&heap, small, CALLER), 0);
    CHECK_EQ(heap_free(&heap, large, CALLER), 0);
    check_heap();
}

TEST(overflow_into_the_next_tlsf_header_is_caught_on_free)
{
    fresh_heap();
    uint8_t *a = heap_alloc(&heap, 1000), *b = heap_alloc(&heap, 1000);
    size_t usable = heap_usable_size(&heap, a);
    a[usable] = 0x42;                                   /* one byte too far: b's canary */
    host_console_reset();
    CHECK_EQ(heap_free(&heap, a, CALLER), -EFAULT);
    CHECK(strstr(host_console_text, "overwritten canary"));
    CHECK_EQ(heap_free(&heap, b, CALLER), -EINVAL);     /* b's own header is broken too */
    struct heap_stats s;
    heap_stats(&heap, &s);
    CHECK_EQ(s.bad_frees, 2);
}

TEST(a_corrupted_slab_free_list_takes_the_slab_out_of_use)
{
    fresh_heap();
    uint64_t *a = heap_alloc(&heap, 48), *b = heap_alloc(&heap, 48);
    CHECK_EQ(heap_free(&heap, a, CALLER), 0);
    a[0] = 0xdeadbeefdeadbeefull;                       /* use after free */
    host_console_reset();
    uint64_t *c = heap_alloc(&heap, 48);                /* must not be garbage */
    CHECK(strstr(host_console_text, "corrupted free list in the 48-byte slab"));
    CHECK(c != NULL && c != a && c != b);
    CHECK_EQ((uintptr_t)c % 4096, 0);                   /* a fresh slab */
    c[5] = 1;
    CHECK_EQ(heap_free(&heap, c, CALLER), 0);
    check_heap();
}

TEST(largest_free_of_a_half_updated_index_is_zero_not_garbage)
{
    /* What `monitor mem` could read at a GDB stop inside a TLSF insert: the first-level
     * bit set before the second-level one, then both set before the list head. It used
     * to compute clz(0) and then 0 - TLSF_OVERHEAD (18446744073709551608 bytes). */
    static struct tlsf t;
    memset(&t, 0, sizeof(t));
    t.fl_bitmap = 1u << 3;
    CHECK(tlsf_largest_free(&t) == 0);
    t.sl_bitmap[3] = 1u << 2;
    CHECK(tlsf_largest_free(&t) == 0);
}

TEST(realloc_keeps_contents_and_grows_in_place_when_it_can)
{
    fresh_heap();
    uint8_t *p = heap_realloc(&heap, NULL, 20, CALLER);
    for (int i = 0; i < 20; i++)
        p[i] = (uint8_t)i;
    CHECK(heap_realloc(&heap, p, 30, CALLER) == p);         /* same 32-byte class */
    uint8_t *q = heap_realloc(&heap, p, 200, CALLER);
    for (int i = 0; i < 20; i++)
        CHECK_EQ(q[i], i);
    uint8_t *r = heap_realloc(&heap, q, 3000, CALLER);
    for (int i = 0; i < 20; i++)
        CHECK_EQ(r[i], i);
    CHECK(heap_realloc(&heap, r, 6000, CALLER) == r);       /* the free space after it */
    CHECK(heap_realloc(&heap, r, 500, CALLER) == r);        /* shrinks in place */
    uint8_t *s = heap_realloc(&heap, r, 100, CALLER);       /* back to a slab */
    CHECK(s != r);
    for (int i = 0; i < 20; i++)
        CHECK_EQ(s[i], i);
    CHECK(heap_realloc(&heap, s, 0, CALLER) == NULL);       /* frees */
    struct heap_stats st;
    heap_stats(&heap, &st);
    CHECK_EQ(st.used, 0);
    check_heap();
}

TEST(out_of_memory_is_null_and_the_heap_stays_usable)
{
    fresh_heap();
    page_limit = 64;                                    /* 256 KiB of backing */
    void *blocks[4096];
    int n = 0, small = 0;
    while (n < 4096 && (blocks[n] = heap_alloc(&heap, n % 3 ? 100 : 9000)) != NULL)
        n++;
    CHECK(n > 20 && n < 4096);
    CHECK(heap_alloc(&heap, 9000) == NULL);
    struct heap_stats s;
    heap_stats(&heap, &s);
    CHECK(s.failures >= 2);
    CHECK(s.committed <= 64 * 4096);
    check_heap();
    /* Small objects may still fit in partial slabs; either way nothing breaks. */
    while (heap_alloc(&heap, 16) != NULL && small < 100000)
        small++;
    for (int i = 0; i < n; i++)
        CHECK_EQ(heap_free(&heap, blocks[i], CALLER), 0);
    check_heap();
    page_limit = UINT64_MAX;
    CHECK(heap_alloc(&heap, 100000) != NULL);
    check_heap();
}

TEST(trim_gives_everything_back)
{
    fresh_heap();
    void *p[300];
    for (int i = 0; i < 300; i++)
        p[i] = heap_alloc(&heap, i % 2 ? 24 : 2000 + i);
    CHECK(committed_pages > 70);
    for (int i = 0; i < 300; i++)
        CHECK_EQ(heap_free(&heap, p[i], CALLER), 0);
    heap_trim(&heap);
    CHECK_EQ(committed_pages, 0);
    struct heap_stats s;
    heap_stats(&heap, &s);
    CHECK_EQ(s.committed, 0);
    CHECK_EQ(s.used, 0);
    CHECK(s.peak_committed > 70 * 4096);
    check_heap();
    CHECK(heap_alloc(&heap, 24) != NULL);                   /* and it grows again */
}

TEST(free_interiors_go_back_beyond_the_dirty_budget)
{
    fresh_heap();
    uint8_t *big[8], *gap[8];
    for (int i = 0; i < 8; i++) {
        big[i] = heap_alloc(&heap, 256 * 1024);
        gap[i] = heap_alloc(&heap, 300);              /* keeps the big ones apart */
        memset(big[i], i, 256 * 1024);
    }
    uint64_t before = committed_pages;
    for (int i = 0; i < 8; i++)
        CHECK_EQ(heap_free(&heap, big[i], CALLER), 0);
    /* Little is in use, so only TLSF_DIRTY_MIN (64 KiB) of free interiors stays backed:
     * of 8 x 63 interior pages, at most 16 remain. */
    CHECK(committed_pages <= before - 8 * 63 + 16);
    check_heap();
    /* A pointer into given-back memory is reported, not dereferenced. */
    host_console_reset();
    CHECK_EQ(heap_free(&heap, big[2] + 8192, CALLER), -ENOENT);
    CHECK(strstr(host_console_text, "double free"));
    /* Reuse backs the pages again: every byte is writable. */
    for (int i = 0; i < 8; i++) {
        big[i] = heap_alloc(&heap, 200 * 1024);
        memset(big[i], 0x5a, 200 * 1024);
    }
    check_heap();
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(heap_free(&heap, big[i], CALLER), 0);
        CHECK_EQ(heap_free(&heap, gap[i], CALLER), 0);
    }
    heap_trim(&heap);
    CHECK_EQ(committed_pages, 0);
    check_heap();
}

/* ---- the reference model ---- */

#define GRANULE 16
static uint64_t shadow[WINDOW / GRANULE / 64];          /* bit per granule: live */

static void shadow_mark(uintptr_t p, size_t size, bool live)
{
    uint64_t first = (p - (uintptr_t)window) / GRANULE;
    uint64_t last = (p - (uintptr_t)window + (size ? size : 1) - 1) / GRANULE;
    for (uint64_t g = first; g <= last; g++) {
        uint64_t bit = 1ull << (g % 64);
        if (!!(shadow[g / 64] & bit) == live)
            UNIT_FAIL("%s at %p+%zu (granule %lu)", live ? "overlap" : "hole",
                      (void *)p, size, (unsigned long)g);
        shadow[g / 64] ^= bit;
    }
}

struct live {
    uint8_t *p;
    size_t size, align;
    uint32_t id;
};

/* Pattern bytes at sampled offsets: the first and last 64 bytes and every 4 KiB. */
static uint8_t pattern(uint32_t id, size_t offset)
{
    return (uint8_t)(id * 131 + offset * 7 + (offset >> 8));
}

/* The offsets a block of `size` bytes is sampled at, in increasing order. */
static size_t next_sample(size_t off, size_t size)
{
    size_t tail = size > 64 ? size - 64 : 0, jump = ALIGN_DOWN(off + 4096, 4096);
    if (off + 1 < 64 || off + 1 >= tail)
        return off + 1;
    return jump < tail ? jump : tail;
}

static void fill(const struct live *l)
{
    for (size_t off = 0; off < l->size; off = next_sample(off, l->size))
        l->p[off] = pattern(l->id, off);
}

/* Check the samples of a block of `sampled` bytes, below `limit`, at p. */
static void verify_at(const struct live *l, const uint8_t *p, size_t sampled, size_t limit)
{
    for (size_t off = 0; off < sampled && off < limit; off = next_sample(off, sampled))
        if (p[off] != pattern(l->id, off))
            UNIT_FAIL("block %u (%p, %zu bytes) changed at offset %zu", l->id, (void *)p,
                      sampled, off);
}

static void verify(const struct live *l)
{
    verify_at(l, l->p, l->size, l->size);
}

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

/* Mostly small (kernel objects), some medium, a few large. */
static size_t random_size(void)
{
    uint32_t r = rng() % 1000;
    if (r < 700)
        return rng() % 257;
    if (r < 900)
        return 257 + rng() % 3840;
    if (r < 990)
        return 4096 + rng() % 61440;
    return 65536 + rng() % (448 * 1024);
}

static void model_run(uint64_t seed, unsigned ops, unsigned max_live)
{
    static struct live live[8192];
    unsigned n = 0;
    uint32_t next_id = 1;
    fresh_heap();
    memset(shadow, 0, sizeof(shadow));
    rng_state = seed;
    for (unsigned op = 0; op < ops; op++) {
        uint32_t r = rng() % 100;
        if (n < max_live && (r < 50 || n == 0)) {
            struct live l = { .size = random_size(), .align = 16, .id = next_id++ };
            if (r < 8)
                l.align = (size_t)32 << (rng() % 8);        /* 32 .. 4096 */
            l.p = l.align > 16 ? heap_alloc_aligned(&heap, l.size, l.align)
                               : heap_alloc(&heap, l.size);
            if (!l.p)
                UNIT_FAIL("op %u: allocation of %zu failed without a limit", op, l.size);
            if ((uintptr_t)l.p % l.align)
                UNIT_FAIL("op %u: %p not aligned to %zu", op, (void *)l.p, l.align);
            if (heap_usable_size(&heap, l.p) < l.size)
                UNIT_FAIL("op %u: usable size below the request", op);
            shadow_mark((uintptr_t)l.p, heap_usable_size(&heap, l.p), true);
            fill(&l);
            live[n++] = l;
        } else if (r < 65) {
            struct live *l = &live[rng() % n];
            size_t size = random_size(), old = l->size, keep = size < old ? size : old;
            verify(l);
            shadow_mark((uintptr_t)l->p, heap_usable_size(&heap, l->p), false);
            uint8_t *p = heap_realloc(&heap, l->p, size, CALLER);
            if (!p && size)
                UNIT_FAIL("op %u: realloc to %zu failed", op, size);
            if (!size) {
                *l = live[--n];
                continue;
            }
            l->p = p;
            l->size = size;
            l->align = 16;
            if ((uintptr_t)p % 16)
                UNIT_FAIL("op %u: realloc result unaligned", op);
            verify_at(l, p, old, keep);            /* contents kept up to the smaller */
            shadow_mark((uintptr_t)p, heap_usable_size(&heap, p), true);
            fill(l);
        } else {
            unsigned k = r < 80 ? n - 1 : rng() % n;  /* LIFO and random frees */
            verify(&live[k]);
            shadow_mark((uintptr_t)live[k].p, heap_usable_size(&heap, live[k].p), false);
            if (heap_free(&heap, live[k].p, CALLER) != 0)
                UNIT_FAIL("op %u: free refused", op);
            live[k] = live[--n];
        }
        if (op % 100000 == 0)
            check_heap();
    }
    check_heap();
    while (n) {
        n--;
        verify(&live[n]);
        shadow_mark((uintptr_t)live[n].p, heap_usable_size(&heap, live[n].p), false);
        CHECK_EQ(heap_free(&heap, live[n].p, CALLER), 0);
    }
    struct heap_stats s;
    heap_stats(&heap, &s);
    CHECK_EQ(s.used, 0);
    CHECK_EQ(s.bad_frees, 0);
    CHECK_EQ(s.failures, 0);
    for (size_t w = 0; w < ARRAY_SIZE(shadow); w++)
        CHECK_EQ(shadow[w], 0);
    check_heap();
    heap_trim(&heap);
    CHECK_EQ(committed_pages, 0);                       /* every page went back */
}

TEST(model_seed_1_small_live_set)
{
    model_run(1, 700000, 64);
}

TEST(model_seed_2_large_live_set)
{
    model_run(2, 700000, 4000);
}

TEST(model_seed_3_medium_live_set)
{
    model_run(3, 700000, 600);
}
