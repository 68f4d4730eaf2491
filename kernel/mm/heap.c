/*
 * heap.c - the kernel's one heap instance (heap.h): heap_core over the KERNEL_HEAP_BASE
 * window, whose pages are backed by fresh frames mapped read-write, no-execute (vmm).
 * Each call holds IRQs off around the heap (and vmm holds them off around the frame
 * allocator and the page tables), so IRQ handlers may allocate too; the caller's
 * address for reports is taken here, one frame above the heap.
 * Who may touch: kernel_heap only inside these functions, IRQs off.
 */
#include "heap.h"
#include "cpu.h"
#include "frame.h"
#include "kprintf.h"
#include "layout.h"
#include "vmm.h"

static struct heap kernel_heap;

/* True while a call below changes kernel_heap (kmalloc_updating). Only a debugger stop
 * inside one can observe it: update_begin sets it after turning IRQs off and update_end
 * clears it before turning them back on, so nothing else runs while it is set. The
 * compiler barriers keep every heap write between the two stores. Who may touch:
 * update_begin and update_end. */
static bool heap_updating;

/* IRQs off and heap_updating set, around every call that changes the heap; returns the
 * flags for update_end. */
static uint64_t update_begin(void)
{
    uint64_t rflags = cpu_irq_save();
    heap_updating = true;
    barrier();
    return rflags;
}

static void update_end(uint64_t rflags)
{
    barrier();
    heap_updating = false;
    cpu_irq_restore(rflags);
}

static int frames_commit(void *ctx, uintptr_t virt, size_t len)
{
    (void)ctx;
    return vmm_map_new(virt, len, PTE_WRITABLE | PTE_NX, false);
}

static void frames_release(void *ctx, uintptr_t virt, size_t len)
{
    (void)ctx;
    vmm_unmap_free(virt, len);
}

static const struct heap_provider frames = { frames_commit, frames_release, NULL };

void kmalloc_init(void)
{
    heap_init(&kernel_heap, KERNEL_HEAP_BASE, KERNEL_HEAP_SIZE, &frames, HEAP_SECRET);
}

void *kmalloc(size_t size)
{
    uint64_t rflags = update_begin();
    void *p = heap_alloc(&kernel_heap, size);
    update_end(rflags);
    return p;
}

void *kmalloc_aligned(size_t size, size_t align)
{
    uint64_t rflags = update_begin();
    void *p = heap_alloc_aligned(&kernel_heap, size, align);
    update_end(rflags);
    return p;
}

void *kcalloc(size_t count, size_t size)
{
    uint64_t rflags = update_begin();
    void *p = heap_calloc(&kernel_heap, count, size);
    update_end(rflags);
    return p;
}

__noinline void *krealloc(void *ptr, size_t size)
{
    uint64_t rflags = update_begin();
    void *p = heap_realloc(&kernel_heap, ptr, size, __builtin_return_address(0));
    update_end(rflags);
    return p;
}

__noinline void kfree(void *ptr)
{
    uint64_t rflags = update_begin();
    heap_free(&kernel_heap, ptr, __builtin_return_address(0));
    update_end(rflags);
}

size_t kmalloc_usable_size(const void *ptr)
{
    uint64_t rflags = cpu_irq_save();
    size_t size = heap_usable_size(&kernel_heap, ptr);
    cpu_irq_restore(rflags);
    return size;
}

void kmalloc_trim(void)
{
    uint64_t rflags = update_begin();
    heap_trim(&kernel_heap);
    update_end(rflags);
}

bool kmalloc_updating(void)
{
    return READ_ONCE(heap_updating);
}

void kmalloc_stats(struct heap_stats *out)
{
    uint64_t rflags = cpu_irq_save();
    heap_stats(&kernel_heap, out);
    cpu_irq_restore(rflags);
}

int kmalloc_check(const char **why)
{
    uint64_t rflags = cpu_irq_save();
    int err = heap_check(&kernel_heap, why);
    cpu_irq_restore(rflags);
    return err;
}

void kmalloc_print_stats(void)
{
    struct heap_stats h;
    struct pmm_stats f;
    kmalloc_stats(&h);
    uint64_t rflags = cpu_irq_save();          /* one consistent snapshot (frame.h) */
    pmm_stats(&f);
    cpu_irq_restore(rflags);
    kprintf("heap:   %lu KiB committed (peak %lu KiB), %lu KiB used, %lu KiB free, "
            "largest free block %lu bytes\n", h.committed / 1024, h.peak_committed / 1024,
            h.used / 1024, h.free / 1024, h.largest_free);
    kprintf("        %lu slab pages (%lu empty); TLSF area %lu KiB (%lu KiB backed), %lu "
            "blocks used, %lu free; %lu failed allocations, %lu bad frees\n", h.slab_pages,
            h.empty_slab_pages, h.tlsf_bytes / 1024, h.tlsf_backed / 1024, h.tlsf_used_blocks,
            h.tlsf_free_blocks, h.failures, h.bad_frees);
    for (unsigned i = 0; i < HEAP_CLASSES; i++) {
        if (h.classes[i].slabs || h.classes[i].in_use)
            kprintf("        class %3u: %6lu objects in %lu slabs\n", h.classes[i].size,
                    h.classes[i].in_use, h.classes[i].slabs);
    }
    kprintf("frames: %lu in use, %lu free of %lu\n", f.managed_frames - f.free_frames,
            f.free_frames, f.managed_frames);
}
