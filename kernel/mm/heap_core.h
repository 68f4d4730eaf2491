/*
 * heap_core.h - the kernel heap's engine: slab size classes for small objects, TLSF
 * (tlsf.h) for everything else, over one virtual window whose pages a heap_provider
 * backs on demand. Pure logic: the kernel wraps one instance in kmalloc (heap.c); the
 * host unit tests and `make bench` drive other instances over mmap'd memory.
 * Bad releases are reported on the console with the caller's address and refused;
 * out of memory is a NULL return, never a crash. Not IRQ-safe by itself: the owner
 * serialises (kmalloc holds IRQs off). The design and its worst cases: heap_core.c.
 */
#ifndef LOCKSTEP_MM_HEAP_CORE_H
#define LOCKSTEP_MM_HEAP_CORE_H

#include "compiler.h"
#include "heap_provider.h"
#include "tlsf.h"

#define HEAP_MIN_ALIGN   16                  /* every pointer handed out */
#define HEAP_SMALL_MAX   256                 /* largest slab object */
#define HEAP_CLASSES     (HEAP_SMALL_MAX / HEAP_MIN_ALIGN)   /* 16, 32, ... 256 */
#define HEAP_SLAB_SIZE   4096                /* one slab = one page, page aligned */
#define HEAP_MAX_ALIGN   (2u << 20)          /* largest alignment kmalloc_aligned takes */
#define HEAP_SECRET      0x6c6f636b73746570ull   /* "lockstep": fixed, so runs repeat */

struct slab;

/* One size class. Who may touch: the heap's owner (callers serialise). */
struct heap_class {
    struct slab *partial;                    /* slabs with free objects, doubly linked */
    uint32_t size;                           /* object size */
    uint32_t capacity;                       /* objects per slab */
    uint32_t reciprocal;                     /* ceil(2^32 / size): index without divide */
    uint32_t slabs;                          /* slabs held (partial, full or kept empty) */
};

/* The struct must not move after heap_init (its TLSF area calls back into it).
 * Who may touch: every field belongs to the owner, who serialises (kmalloc: IRQs off). */
struct heap {
    uintptr_t slab_base, slab_top, slab_limit;  /* slab pages: [slab_base, slab_top) */
    uintptr_t secret;
    struct heap_class classes[HEAP_CLASSES];
    struct slab *empty;                      /* empty slab pages below slab_top */
    uint64_t empty_pages;
    struct heap_provider provider;           /* the owner's, called through ours */
    struct heap_provider counted;            /* counts commits, then calls provider */
    uint64_t committed, peak_committed;      /* bytes backed right now / at most */
    uint64_t provider_calls, provider_pages; /* commits + releases, and their pages */
    uint64_t failures, bad_frees;
    struct tlsf tlsf;                        /* the upper half of the window */
};

struct heap_stats {
    uint64_t committed, peak_committed;      /* bytes the provider backs */
    uint64_t used;                           /* in live allocations: object/block sizes */
    uint64_t free;                           /* committed - used: free space and metadata */
    uint64_t largest_free;                   /* largest TLSF allocation needing no growth */
    uint64_t slab_pages, empty_slab_pages;   /* slab area, pages (all backed) */
    uint64_t tlsf_bytes, tlsf_backed, tlsf_free_blocks;   /* TLSF area span, backed */
    uint64_t tlsf_used_blocks;
    uint64_t provider_calls, provider_pages; /* commits + releases, and their pages */
    uint64_t failures, bad_frees;
    struct {
        uint32_t size;
        uint64_t in_use, slabs;
    } classes[HEAP_CLASSES];
};

/* Set up an empty heap over the window [base, base + size) (page aligned, at least
 * two pages): slabs grow up from base, the TLSF area from the middle. Nothing is
 * committed until the first allocation. Cannot fail. */
void heap_init(struct heap *h, uintptr_t base, size_t size, const struct heap_provider *p,
               uintptr_t secret);

/* `size` bytes, HEAP_MIN_ALIGN aligned (size 0 gives a unique minimum object).
 * Returns NULL when memory is out (the provider refused) or size is absurd. O(1). */
void *heap_alloc(struct heap *h, size_t size);

/* `size` bytes aligned to `align` (a power of two up to HEAP_MAX_ALIGN). Returns NULL
 * for a bad alignment or when memory is out. O(1). */
void *heap_alloc_aligned(struct heap *h, size_t size, size_t align);

/* `count` objects of `size` bytes, zeroed. NULL if count * size overflows or memory is
 * out. */
void *heap_calloc(struct heap *h, size_t count, size_t size);

/* Release `ptr` (NULL is ignored). A double free, a pointer the heap never gave out or
 * a block whose canaries are overwritten is reported with `caller` and not released;
 * returns 0 or that error (-ENOENT double free, -EINVAL foreign, -EFAULT corrupted).
 * O(1) (plus the provider when memory goes back). */
int heap_free(struct heap *h, void *ptr, const void *caller);

/* Resize, keeping the contents up to the smaller size. NULL ptr: heap_alloc. Size 0:
 * frees ptr and returns NULL. Returns NULL (ptr untouched) when memory is out, and
 * NULL after a report when ptr is not a live allocation. */
void *heap_realloc(struct heap *h, void *ptr, size_t size, const void *caller);

/* Bytes usable at ptr (>= what was asked), 0 if ptr is not a live allocation. */
size_t heap_usable_size(struct heap *h, const void *ptr);

/* Give back whatever can go: empty slabs kept for reuse, the TLSF free tail.
 * Cannot fail. */
void heap_trim(struct heap *h);

/* Statistics. Walks the slab pages to count objects per class: O(slab pages).
 * Cannot fail. */
void heap_stats(struct heap *h, struct heap_stats *out);

/* Check every invariant of every slab page and TLSF block. Returns 0, or -EFAULT with
 * the first problem in *why. O(heap); for tests and the `mem check` command. */
int heap_check(struct heap *h, const char **why);

#endif
