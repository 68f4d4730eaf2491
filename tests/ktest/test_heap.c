/*
 * test_heap.c - kmalloc in the running kernel: objects land in the heap window on
 * read-write, no-execute pages; bad frees are reported with the caller and ignored;
 * exhausting memory returns NULL while the kernel keeps running (the timer still
 * ticks), and freeing everything gives every frame back.
 */
#include "cpu.h"
#include "frame.h"
#include "heap.h"
#include "ktest.h"
#include "layout.h"
#include "pit.h"
#include "string.h"
#include "vmm.h"

static char report[1024];

static void check_heap(void)
{
    const char *why = "";
    if (kmalloc_check(&why) != 0)
        ktest_fail(__FILE__, __LINE__, "kmalloc_check: %s", why);
}

KTEST(kmalloc_objects_live_in_the_heap_window)
{
    uint8_t *small = kmalloc(100), *large = kmalloc(10000);
    KCHECK(small && large);
    KCHECK((uint64_t)small - KERNEL_HEAP_BASE < KERNEL_HEAP_SIZE);
    KCHECK((uint64_t)large - KERNEL_HEAP_BASE < KERNEL_HEAP_SIZE);
    KCHECK_EQ((uint64_t)small % 16, 0);
    KCHECK(kmalloc_usable_size(small) >= 100);
    uint64_t flags = 0;
    KCHECK(vmm_translate((uint64_t)large + 9999, NULL, &flags));
    KCHECK_EQ(flags & (PTE_WRITABLE | PTE_NX | PTE_USER), PTE_WRITABLE | PTE_NX);
    memset(small, 1, 100);
    memset(large, 2, 10000);

    uint32_t *zeroed = kcalloc(64, sizeof(uint32_t));
    for (int i = 0; i < 64; i++)
        KCHECK_EQ(zeroed[i], 0);
    KCHECK(kcalloc(~0ul / 2, 4) == NULL);
    uint8_t *grown = krealloc(small, 5000);
    KCHECK(grown != NULL);
    for (int i = 0; i < 100; i++)
        KCHECK_EQ(grown[i], 1);
    uint8_t *aligned = kmalloc_aligned(100, 4096);
    KCHECK(aligned && (uint64_t)aligned % 4096 == 0);
    KCHECK(kmalloc_aligned(100, 3) == NULL);

    kfree(grown);
    kfree(large);
    kfree(zeroed);
    kfree(aligned);
    kfree(NULL);
    check_heap();
}

KTEST(kfree_twice_is_reported_with_the_caller)
{
    void *p = kmalloc(48);
    kfree(p);
    struct heap_stats before, after;
    kmalloc_stats(&before);
    ktest_capture_begin(report, sizeof(report));
    kfree(p);
    ktest_capture_end();
    kmalloc_stats(&after);
    KCHECK(strstr(report, "heap: double free of"));
    KCHECK(strstr(report, "<kfree_twice_is_reported_with_the_caller+"));
    KCHECK_EQ(after.bad_frees, before.bad_frees + 1);
    KCHECK_EQ(after.used, before.used);
    check_heap();
}

KTEST(kfree_of_a_foreign_pointer_is_reported)
{
    static uint64_t not_from_the_heap[4];
    ktest_capture_begin(report, sizeof(report));
    kfree(not_from_the_heap);
    kfree((void *)(KERNEL_HEAP_BASE + KERNEL_HEAP_SIZE - 4096));   /* never committed */
    ktest_capture_end();
    KCHECK(strstr(report, "which the heap never gave out"));
    KCHECK(strstr(report, "<kfree_of_a_foreign_pointer_is_reported+"));
    check_heap();
}

#define MAX_BLOCKS 512
static void *blocks[MAX_BLOCKS];

KTEST(heap_exhaustion_returns_null_and_the_kernel_keeps_running)
{
    struct pmm_stats frames_before, frames_after;
    struct vmm_stats vmm_before, vmm_after;
    kmalloc_trim();
    pmm_stats(&frames_before);
    vmm_stats(&vmm_before);

    size_t n = 0, size = 1 << 20;
    while (n < MAX_BLOCKS && size >= 256) {                 /* 1 MiB blocks, then smaller */
        void *p = kmalloc(size);
        if (p)
            blocks[n++] = p;
        else
            size /= 2;
    }
    KCHECK(n < MAX_BLOCKS);                                 /* it did run out */
    KCHECK(kmalloc(1 << 20) == NULL);
    struct heap_stats h;
    kmalloc_stats(&h);
    KCHECK(h.committed > (frames_before.free_frames * 4096) / 2);
    KCHECK(h.failures > 0);
    ktest_capture_begin(report, sizeof(report));
    kmalloc_print_stats();                                  /* the `mem` view, still fine */
    ktest_capture_end();
    KCHECK(strstr(report, "heap:") && strstr(report, "frames:"));
    KCHECK(ktest_timer_still_ticks());
    check_heap();

    while (n)
        kfree(blocks[--n]);
    kmalloc_trim();
    kmalloc_stats(&h);
    KCHECK_EQ(h.used, 0);
    KCHECK_EQ(h.committed, 0);
    pmm_stats(&frames_after);
    vmm_stats(&vmm_after);
    /* Every frame is back except the page tables the heap window now has. */
    KCHECK_EQ(frames_after.free_frames + (vmm_after.tables - vmm_before.tables),
              frames_before.free_frames);
    void *again = kmalloc(1 << 20);
    KCHECK(again != NULL);
    kfree(again);
    check_heap();
}
