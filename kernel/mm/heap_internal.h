/*
 * heap_internal.h - the slab page header and the small helpers that heap_core.c and
 * its statistics and consistency checker (heap_check.c) share. Private to those two
 * files; the slab page is drawn in heap_core.c.
 */
#ifndef LOCKSTEP_MM_HEAP_INTERNAL_H
#define LOCKSTEP_MM_HEAP_INTERNAL_H

#include "heap_core.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define SLAB_SHIFT  12
#define SLAB_WORDS  ((HEAP_SLAB_SIZE / HEAP_MIN_ALIGN + 63) / 64)

STATIC_ASSERT(HEAP_SLAB_SIZE == 1 << SLAB_SHIFT, "slab size and shift agree");
STATIC_ASSERT(HEAP_SLAB_SIZE == HEAP_PAGE_SIZE, "a slab is one provider page");

/* At the end of its page. Who may touch: the heap's owner. */
struct slab {
    uintptr_t magic;                 /* page ^ secret: live; page ^ ~secret: empty page */
    uintptr_t free;                  /* first free object; 0 when full */
    uint32_t size;                   /* object size          } copies of the class's, */
    uint32_t reciprocal;             /* ceil(2^32 / size)    } for kfree's one cache */
    uint16_t capacity;               /* objects in the page  } line */
    uint16_t used;                   /* objects handed out */
    uint16_t class_index;
    uint16_t listed;                 /* on the class list (full slabs leave it lazily) */
    struct slab *next, *prev;        /* class partial list, or the heap's empty list */
    uint64_t bitmap[SLAB_WORDS];     /* bit i: object i is handed out */
};
#define SLAB_HEADER_OFFSET (HEAP_SLAB_SIZE - sizeof(struct slab))
ASSERT_SIZE(struct slab, 80);

static inline struct slab *slab_of(uintptr_t page)
{
    return (struct slab *)(page + SLAB_HEADER_OFFSET);
}

static inline uintptr_t page_of(const struct slab *s)
{
    return (uintptr_t)s - SLAB_HEADER_OFFSET;
}

static inline uintptr_t live_magic(const struct heap *h, uintptr_t page)
{
    return page ^ h->secret;
}

static inline uintptr_t empty_magic(const struct heap *h, uintptr_t page)
{
    return page ^ ~h->secret;
}

/* Free-list link of the object at `at`. */
static inline uintptr_t encode(const struct heap *h, uintptr_t next, uintptr_t at)
{
    return next ^ at ^ h->secret;
}

#endif
