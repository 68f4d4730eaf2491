/*
 * heap.h - the kernel heap: kmalloc and friends over the KERNEL_HEAP_BASE window, grown
 * on demand with frames from the frame allocator (heap_core.h has the design). Every
 * function is IRQ-safe: IRQs are held off inside, and vmm, which backs the heap, is
 * IRQ-safe too, so IRQ handlers may allocate. None blocks. Out of memory is a
 * NULL return: callers handle it. A bad kfree (double free, a pointer the heap never
 * gave out, an overwritten canary) is reported on the console with the caller's
 * address and ignored, so the kernel keeps running.
 */
#ifndef LOCKSTEP_MM_HEAP_H
#define LOCKSTEP_MM_HEAP_H

#include "compiler.h"
#include "heap_core.h"

/* Set up the kernel heap (after vmm_init). Commits nothing yet. Cannot fail; call once,
 * before any other function here. */
void kmalloc_init(void);

/* `size` bytes, 16-byte aligned; NULL when memory is out. kmalloc(0) returns a unique
 * minimum object. */
void *kmalloc(size_t size);

/* `size` bytes aligned to `align` (a power of two up to HEAP_MAX_ALIGN); NULL for a
 * bad alignment or when memory is out. */
void *kmalloc_aligned(size_t size, size_t align);

/* `count` * `size` bytes, zeroed; NULL on overflow or when memory is out. */
void *kcalloc(size_t count, size_t size);

/* Resize `ptr` keeping its contents (up to the smaller size); NULL ptr: kmalloc; size 0:
 * kfree and NULL. On failure returns NULL and ptr stays valid. The result is 16-byte
 * aligned (a larger alignment from kmalloc_aligned is not kept). */
void *krealloc(void *ptr, size_t size);

/* Release `ptr`; NULL is ignored. Bad pointers are reported, never released. */
void kfree(void *ptr);

/* Bytes usable at ptr, 0 if it is not a live allocation. */
size_t kmalloc_usable_size(const void *ptr);

/* Return every page the heap can spare to the frame allocator. Cannot fail. */
void kmalloc_trim(void);

/* True while kmalloc, kmalloc_aligned, kcalloc, krealloc, kfree or kmalloc_trim is
 * changing the heap. Code that runs normally never sees it true: each holds IRQs off on
 * the one CPU, so nothing else runs between its first and last write. Only code run at
 * a debugger's stop inside one does (GDB's `monitor mem`, which must not then read the
 * heap: its lists and counts may be half-updated). IRQ-safe; cannot fail. */
bool kmalloc_updating(void);

/* heap_stats on the kernel heap. Cannot fail; O(slab pages). */
void kmalloc_stats(struct heap_stats *out);

/* heap_check on the kernel heap: 0, or -EFAULT with the reason. O(heap). */
int kmalloc_check(const char **why);

/* What the shell's `mem` command shows: heap totals, largest free block, per-class
 * counts, frames in use. Cannot fail. */
void kmalloc_print_stats(void);

#endif
