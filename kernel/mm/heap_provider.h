/*
 * heap_provider.h - where the heap gets its memory: a narrow interface that backs page
 * ranges of the heap's virtual window. The kernel's provider maps fresh frames there
 * (heap.c, over vmm and pmm); the host tests and benchmark use mmap'd memory. The heap
 * decides the addresses; the provider only commits and releases them.
 */
#ifndef LOCKSTEP_MM_HEAP_PROVIDER_H
#define LOCKSTEP_MM_HEAP_PROVIDER_H

#include "compiler.h"

#define HEAP_PAGE_SIZE 4096

struct heap_provider {
    /* Back [virt, virt+len) (page aligned) with writable memory. Returns 0, or a
     * negative errno (-ENOMEM) with nothing backed. */
    int (*commit)(void *ctx, uintptr_t virt, size_t len);
    /* Give back [virt, virt+len), committed earlier. Cannot fail. */
    void (*release)(void *ctx, uintptr_t virt, size_t len);
    void *ctx;
};

#endif
