/*
 * heap.c - `make bench` workload for the kernel heap (kernel/mm/heap_core.c) against
 * glibc malloc: the same pre-generated trace of allocations and frees, replayed by the
 * same driver loop through each allocator, so that callgrind (tools/bench.py, toggled
 * on one workload_* function per run) counts the same work. A third driver with an
 * allocator that does nothing measures the loop itself, which bench.py subtracts.
 *
 * The trace is kernel-like: half the objects 16-64 B, 30% 65-256 B, 17% 257 B-4 KiB,
 * 3% 4-64 KiB; frees are LIFO (70%) or random (30%), with bursts of short-lived small
 * objects; a live set of up to 4000 objects; everything is freed at the end.
 *
 *   heap kernel|glibc|null   run one workload (for callgrind)
 *   heap report              run the kernel heap natively; print pairs, peak live
 *                            bytes, peak footprint, fragmentation; and glibc's footprint
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "frame.h"
#include "heap_core.h"
#include "ksyms.h"
#include "paging.h"

/* kprintf.c and ksyms.c link against a symbol table the kernel generates; empty here. */
const uint64_t ksym_count = 0;
const struct ksym ksym_table[1];
const char ksym_names[1];
const char __text_end[1];

#define PAIRS     200000            /* allocations in the trace, each freed once */
#define MAX_LIVE  4000
#define WINDOW    (1ull << 30)
#define SEED      0x5eed1234u

struct op {
    uint32_t slot;                  /* which live object */
    uint32_t size;                  /* bytes to allocate; 0 = free the slot */
};

static struct op *ops;
static size_t op_count;
static void *slots[MAX_LIVE + 256];
static uint64_t peak_live;

static uint64_t rng_state = SEED;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static uint32_t kernel_size(void)
{
    uint32_t r = rng() % 100;
    if (r < 50)
        return 16 + rng() % 49;                 /* 16..64: list nodes, small structs */
    if (r < 80)
        return 65 + rng() % 192;                /* 65..256: larger structs, names */
    if (r < 97)
        return 257 + rng() % 3840;              /* 257..4096: buffers */
    return 4097 + rng() % 61440;                /* 4 KiB..64 KiB: big tables, stacks */
}

/* Build the trace; track the live bytes it implies. */
static void generate(void)
{
    static uint32_t live[MAX_LIVE + 256], free_slots[MAX_LIVE + 256], sizes[MAX_LIVE + 256];
    uint32_t n = 0, nfree = 0, allocated = 0;
    uint64_t live_bytes = 0;
    for (uint32_t s = 0; s < MAX_LIVE + 256; s++)
        free_slots[nfree++] = MAX_LIVE + 255 - s;
    ops = malloc(sizeof(*ops) * PAIRS * 2);
    if (!ops) {
        fprintf(stderr, "heap: no memory for the trace\n");
        exit(1);
    }
#define ALLOC(size_)                                                                   \
    do {                                                                               \
        uint32_t slot_ = free_slots[--nfree];                                          \
        sizes[slot_] = (size_);                                                        \
        live[n++] = slot_;                                                             \
        live_bytes += sizes[slot_];                                                    \
        if (live_bytes > peak_live)                                                    \
            peak_live = live_bytes;                                                    \
        ops[op_count++] = (struct op){ slot_, sizes[slot_] };                          \
        allocated++;                                                                   \
    } while (0)
#define FREE(index_)                                                                   \
    do {                                                                               \
        uint32_t at_ = (index_), slot_ = live[at_];                                    \
        n--;                                                                           \
        live[at_] = live[n];                                                           \
        live_bytes -= sizes[slot_];                                                    \
        free_slots[nfree++] = slot_;                                                   \
        ops[op_count++] = (struct op){ slot_, 0 };                                     \
    } while (0)
    while (allocated < PAIRS) {
        if (allocated % 5000 == 4999 && n + 200 < MAX_LIVE + 256 && allocated + 200 <= PAIRS) {
            for (int i = 0; i < 200; i++)             /* a burst of temporaries */
                ALLOC(16 + rng() % 241);
            for (int i = 0; i < 200; i++)
                FREE(n - 1);
            continue;
        }
        uint32_t r = rng() % 100;
        if (n == 0 || (n < MAX_LIVE && r < 52))
            ALLOC(kernel_size());
        else if (r < 86)
            FREE(n - 1);                              /* LIFO */
        else
            FREE(rng() % n);                          /* random */
    }
    while (n)
        FREE(rng() % n);
#undef ALLOC
#undef FREE
}

/* ---- the three allocators ---- */

/*
 * The kernel heap's provider does what the kernel's does (kernel/mm/heap.c -> vmm ->
 * pmm): every page it commits takes a frame from the real frame allocator (frame.c)
 * and a PTE from the real page-table walker (paging.c), and every release gives both
 * back, so callgrind counts that work too. Only the CPU parts are missing: the window
 * is ordinary mmap'd memory, there is no invlpg and no IRQ masking. The "physical"
 * memory holding the page tables and the frame bitmap is a host buffer.
 */
#define FAKE_RAM (256ull << 20)

static struct heap heap;
static uint8_t *fake_ram;
static struct paging_space space;

static void *fake_phys(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    return phys + len <= FAKE_RAM ? fake_ram + phys : NULL;
}

static bool table_frame(void *ctx, uint64_t *phys)
{
    (void)ctx;
    return (*phys = pmm_alloc_frame()) != 0;
}

/* As vmm_map_new and vmm_unmap_free do: frames in batches of 64, one walk per table. */
#define BATCH 64

static int frames_commit(void *ctx, uintptr_t virt, size_t len)
{
    uint64_t frames[BATCH];
    (void)ctx;
    for (size_t done = 0; done < len; done += BATCH * HEAP_PAGE_SIZE) {
        size_t n = (len - done) / HEAP_PAGE_SIZE < BATCH ? (len - done) / HEAP_PAGE_SIZE : BATCH;
        size_t mapped;
        for (size_t i = 0; i < n; i++)
            if ((frames[i] = pmm_alloc_frame()) == 0)
                goto out;
        if (paging_map_pages(&space, virt + done, frames, n, PTE_WRITABLE | PTE_NX, &mapped))
            goto out;
    }
    return 0;
out:
    fprintf(stderr, "heap: the simulated kernel provider ran out of frames\n");
    exit(1);
}

static void frames_release(void *ctx, uintptr_t virt, size_t len)
{
    uint64_t frames[BATCH];
    (void)ctx;
    for (size_t done = 0; done < len; done += BATCH * HEAP_PAGE_SIZE) {
        size_t n = (len - done) / HEAP_PAGE_SIZE < BATCH ? (len - done) / HEAP_PAGE_SIZE : BATCH;
        if (paging_unmap_pages(&space, virt + done, n, frames) != 0)
            goto lost;
        for (size_t i = 0; i < n; i++)
            if (pmm_free_frame(frames[i]) != 0)
                goto lost;
    }
    return;
lost:
    fprintf(stderr, "heap: the simulated kernel provider lost a page\n");
    exit(1);
}

static const struct heap_provider provider = { frames_commit, frames_release, NULL };

static void kernel_heap_setup(void)
{
    void *window = mmap(NULL, WINDOW, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    fake_ram = mmap(NULL, FAKE_RAM, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (window == MAP_FAILED || fake_ram == MAP_FAILED) {
        fprintf(stderr, "heap: cannot reserve the heap window\n");
        exit(1);
    }
    static const struct boot_memory_region map[] = {
        { 0x100000, FAKE_RAM - 0x100000, BOOT_MEMORY_AVAILABLE },
    };
    const struct pmm_layout layout = { .map = map, .map_count = 1, .map_phys = fake_phys,
                                       .bitmap_limit = FAKE_RAM };
    if (pmm_init(&layout) != 0 || !(space.root = pmm_alloc_frame())) {
        fprintf(stderr, "heap: cannot set up the simulated frame allocator\n");
        exit(1);
    }
    space.window = (uintptr_t)fake_ram;
    space.window_end = FAKE_RAM;
    space.alloc_table = table_frame;
    space.nx = true;
    heap_init(&heap, (uintptr_t)window, WINDOW, &provider, HEAP_SECRET);
}

static void *kernel_alloc(size_t size)
{
    return heap_alloc(&heap, size);
}

static void kernel_free(void *p)
{
    heap_free(&heap, p, NULL);
}

static char null_object[65536];

static void *null_alloc(size_t size)
{
    (void)size;
    return null_object;
}

static void null_free(void *p)
{
    (void)p;
}

/* The driver: identical for every allocator; callgrind counts one of these. Each new
 * object is touched once, as a caller would. */
#define WORKLOAD(name, alloc, release)                                                 \
    __attribute__((noinline)) void name(void);                                         \
    __attribute__((noinline)) void name(void)                                          \
    {                                                                                  \
        for (size_t i = 0; i < op_count; i++) {                                        \
            const struct op *o = &ops[i];                                              \
            if (o->size) {                                                             \
                void *p = alloc(o->size);                                              \
                if (!p)                                                                \
                    abort();                                                           \
                *(volatile char *)p = 1;                                               \
                slots[o->slot] = p;                                                    \
            } else {                                                                   \
                release(slots[o->slot]);                                               \
            }                                                                          \
        }                                                                              \
    }

WORKLOAD(workload_kernel_heap, kernel_alloc, kernel_free)
WORKLOAD(workload_glibc, malloc, free)
WORKLOAD(workload_null, null_alloc, null_free)

/* glibc's footprint after every operation (heap arena plus mmap'd chunks). */
static uint64_t glibc_peak_footprint(void)
{
    uint64_t peak = 0;
    for (size_t i = 0; i < op_count; i++) {
        const struct op *o = &ops[i];
        if (o->size) {
            slots[o->slot] = malloc(o->size);
            struct mallinfo2 m = mallinfo2();
            if (m.arena + m.hblkhd > peak)
                peak = m.arena + m.hblkhd;
        } else {
            free(slots[o->slot]);
        }
    }
    return peak;
}

int main(int argc, char **argv)
{
    const char *mode = argc == 2 ? argv[1] : "";
    generate();
    if (strcmp(mode, "kernel") == 0) {
        kernel_heap_setup();
        workload_kernel_heap();
    } else if (strcmp(mode, "glibc") == 0) {
        workload_glibc();
    } else if (strcmp(mode, "null") == 0) {
        workload_null();
    } else if (strcmp(mode, "report") == 0) {
        kernel_heap_setup();
        workload_kernel_heap();
        struct heap_stats s;
        heap_stats(&heap, &s);
        const char *why = "";
        if (heap_check(&heap, &why) != 0 || s.used != 0 || s.bad_frees || s.failures) {
            fprintf(stderr, "heap: the kernel heap is inconsistent after the run: %s\n", why);
            return 1;
        }
        printf("pairs %u\n", PAIRS);
        printf("operations %zu\n", op_count);
        printf("peak_live_bytes %lu\n", (unsigned long)peak_live);
        printf("kernel_peak_footprint %lu\n", (unsigned long)s.peak_committed);
        printf("kernel_provider_calls %lu\n", (unsigned long)s.provider_calls);
        printf("kernel_provider_pages %lu\n", (unsigned long)s.provider_pages);
        printf("kernel_fragmentation_percent %.2f\n",
               100.0 * ((double)s.peak_committed / (double)peak_live - 1.0));
        uint64_t glibc = glibc_peak_footprint();
        printf("glibc_peak_footprint %lu\n", (unsigned long)glibc);
        printf("glibc_fragmentation_percent %.2f\n",
               100.0 * ((double)glibc / (double)peak_live - 1.0));
    } else {
        fprintf(stderr, "usage: %s kernel|glibc|null|report\n", argv[0]);
        return 2;
    }
    return 0;
}
