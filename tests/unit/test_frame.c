/*
 * test_frame.c - host tests of the frame allocator (kernel/mm/frame.c): usable ranges
 * from a memory map and its exclusions (worked out by hand below), single frames, runs,
 * refused releases, and a random sequence against a reference model.
 */
#include "unit.h"
#include "host_kernel.h"
#include "errno.h"
#include "frame.h"

static uint8_t fake_bitmap[1 << 20];
static uint64_t bitmap_at;

static void *map_phys(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    bitmap_at = phys;
    return len <= sizeof(fake_bitmap) ? fake_bitmap : NULL;
}

/* QEMU's map for -m 128M (as the kernel prints it), with a kernel image at 1 MiB, the
 * multiboot information in low memory and one module. */
static const struct boot_memory_region qemu_map[] = {
    { 0x0, 0x9fc00, BOOT_MEMORY_AVAILABLE },
    { 0x9fc00, 0x400, BOOT_MEMORY_RESERVED },
    { 0xf0000, 0x10000, BOOT_MEMORY_RESERVED },
    { 0x100000, 0x7ee0000, BOOT_MEMORY_AVAILABLE },
    { 0x7fe0000, 0x20000, BOOT_MEMORY_RESERVED },
    { 0xfffc0000, 0x40000, BOOT_MEMORY_RESERVED },
};
static const struct pmm_reserved qemu_reserved[] = {
    { 0x100000, 0x17f123, "kernel image" },
    { 0x9000, 0x9400, "boot information" },
    { 0x200000, 0x280500, "module" },
};

static void init_qemu(void)
{
    const struct pmm_layout layout = {
        .map = qemu_map, .map_count = ARRAY_SIZE(qemu_map),
        .reserved = qemu_reserved, .reserved_count = ARRAY_SIZE(qemu_reserved),
        .map_phys = map_phys, .bitmap_limit = 0x40000000,
    };
    CHECK_EQ(pmm_init(&layout), 0);
}

/*
 * Available, rounded inward: [0, 0x9f000) and [0x100000, 0x7fe0000): 159 + 32480 frames.
 * Minus frame 0, the information [0x9000, 0xa000), the kernel [0x100000, 0x180000), the
 * module [0x200000, 0x281000). top = 0x7fe0000: 32736 frames -> 512 words -> one 4 KiB
 * page of bitmap, placed in the first range above 1 MiB: 0x180000. What is left:
 *   [0x1000, 0x9000)      8 frames
 *   [0xa000, 0x9f000)   149 frames
 *   [0x181000, 0x200000) 127 frames
 *   [0x281000, 0x7fe0000) 32095 frames       total 32379; withheld 32639 - 32379 = 260
 *   (1 frame 0 + 1 information + 128 kernel + 129 module + 1 bitmap = 260).
 */
TEST(qemu_map_gives_the_ranges_worked_out_by_hand)
{
    init_qemu();
    size_t n;
    const struct pmm_range *r = pmm_ranges(&n);
    CHECK_EQ(n, 4);
    CHECK_EQ(r[0].start, 0x1000);   CHECK_EQ(r[0].end, 0x9000);
    CHECK_EQ(r[1].start, 0xa000);   CHECK_EQ(r[1].end, 0x9f000);
    CHECK_EQ(r[2].start, 0x181000); CHECK_EQ(r[2].end, 0x200000);
    CHECK_EQ(r[3].start, 0x281000); CHECK_EQ(r[3].end, 0x7fe0000);
    CHECK_EQ(bitmap_at, 0x180000);

    struct pmm_stats s;
    pmm_stats(&s);
    CHECK_EQ(s.available_bytes, 0x9fc00 + 0x7ee0000);
    CHECK_EQ(s.managed_frames, 32379);
    CHECK_EQ(s.free_frames, 32379);
    CHECK_EQ(s.reserved_frames, 260);
    CHECK_EQ(s.top, 0x7fe0000);
    CHECK_EQ(s.bitmap_phys, 0x180000);
    CHECK_EQ(s.bitmap_bytes, 4096);
    CHECK_EQ(s.range_count, 4);
    CHECK(!s.truncated);
}

TEST(single_frames_come_lowest_first_and_are_reused)
{
    init_qemu();
    CHECK_EQ(pmm_alloc_frame(), 0x1000);
    CHECK_EQ(pmm_alloc_frame(), 0x2000);
    CHECK(pmm_is_allocated(0x1000));
    CHECK_EQ(pmm_free_frame(0x1000), 0);
    CHECK(!pmm_is_allocated(0x1000));
    CHECK_EQ(pmm_alloc_frame(), 0x1000);
    for (int i = 0; i < 6; i++)
        pmm_alloc_frame();                             /* 0x3000 .. 0x8000 */
    CHECK_EQ(pmm_alloc_frame(), 0xa000);               /* skips the information page */
    struct pmm_stats s;
    pmm_stats(&s);
    CHECK_EQ(s.free_frames, 32379 - 9);
}

TEST(every_frame_once_then_zero)
{
    init_qemu();
    uint64_t last = 0, count = 0, phys;
    while ((phys = pmm_alloc_frame()) != 0) {
        CHECK(phys > last);                            /* ascending: never twice */
        CHECK(phys < 0x100000 || phys >= 0x181000);    /* never the kernel or bitmap */
        CHECK(phys < 0x200000 || phys >= 0x281000);    /* never the module */
        last = phys;
        count++;
    }
    CHECK_EQ(count, 32379);
    CHECK_EQ(pmm_alloc_frame(), 0);
    CHECK_EQ(pmm_alloc_run(1), 0);
    CHECK_EQ(pmm_free_frame(0x5000), 0);
    CHECK_EQ(pmm_alloc_frame(), 0x5000);
}

TEST(runs_are_contiguous_first_fit)
{
    init_qemu();
    CHECK_EQ(pmm_alloc_run(8), 0x1000);                /* exactly the first range */
    CHECK_EQ(pmm_alloc_run(100), 0xa000);
    CHECK_EQ(pmm_alloc_run(128), 0x281000);            /* 49 left below, 127 at 0x181000 */
    CHECK_EQ(pmm_alloc_run(127), 0x181000);
    CHECK_EQ(pmm_alloc_run(0), 0);
    CHECK_EQ(pmm_alloc_run(40000), 0);
    CHECK_EQ(pmm_alloc_frame(), 0xa000 + 100 * 4096);
    CHECK_EQ(pmm_free_run(0xa000, 100), 0);
    CHECK_EQ(pmm_alloc_run(50), 0xa000);
    struct pmm_stats s;
    pmm_stats(&s);
    CHECK_EQ(s.free_frames, 32379 - 8 - 50 - 128 - 127 - 1);
}

TEST(double_free_is_reported_and_refused)
{
    init_qemu();
    uint64_t f = pmm_alloc_frame();
    CHECK_EQ(pmm_free_frame(f), 0);
    host_console_reset();
    CHECK_EQ(pmm_free_frame(f), -ENOENT);
    CHECK(strstr(host_console_text, "pmm: double free of frame 0x1000 refused"));
    CHECK(strstr(host_console_text, "(caller "));
    struct pmm_stats s;
    pmm_stats(&s);
    CHECK_EQ(s.free_frames, 32379);
    CHECK_EQ(s.bad_releases, 1);
    CHECK_EQ(pmm_free_frame(0x2000), -ENOENT);        /* never allocated at all */
}

TEST(releases_outside_managed_frames_are_refused)
{
    init_qemu();
    host_console_reset();
    CHECK_EQ(pmm_free_frame(0x100000), -EINVAL);      /* kernel image */
    CHECK(strstr(host_console_text, "release of 0x100000 refused: not a frame"));
    CHECK_EQ(pmm_free_frame(0x180000), -EINVAL);      /* the bitmap */
    CHECK_EQ(pmm_free_frame(0x9000), -EINVAL);        /* boot information */
    CHECK_EQ(pmm_free_frame(0), -EINVAL);             /* frame 0 */
    CHECK_EQ(pmm_free_frame(0xb8000), -EINVAL);       /* a hole (VGA) */
    CHECK_EQ(pmm_free_frame(0x7fe0000), -EINVAL);     /* beyond RAM */
    CHECK_EQ(pmm_free_frame(UINT64_MAX & ~0xfffull), -EINVAL);
    CHECK_EQ(pmm_free_frame(0x1001), -EINVAL);        /* unaligned */
    struct pmm_stats s;
    pmm_stats(&s);
    CHECK_EQ(s.bad_releases, 8);
    CHECK_EQ(s.free_frames, 32379);
}

TEST(run_release_is_all_or_nothing)
{
    init_qemu();
    CHECK_EQ(pmm_alloc_run(4), 0x1000);
    CHECK_EQ(pmm_free_run(0x1000, 5), -ENOENT);       /* the 5th frame is free */
    for (uint64_t p = 0x1000; p < 0x5000; p += 4096)
        CHECK(pmm_is_allocated(p));
    CHECK_EQ(pmm_free_run(0x4000, 2), -ENOENT);       /* 0x5000 is free */
    CHECK_EQ(pmm_alloc_run(4), 0x5000);
    CHECK_EQ(pmm_free_run(0x8000, 2), -EINVAL);       /* runs into the information page */
    CHECK(pmm_is_allocated(0x8000));
    CHECK_EQ(pmm_free_run(0x1000, 8), 0);
    CHECK_EQ(pmm_free_run(0x1000, 0), 0);
}

/* Unsorted, overlapping entries merge; a reserved entry inside an available one wins;
 * unaligned edges round inward. [0x100800, 0x400000) and [0x100000, 0x300000) merge to
 * [0x101000, 0x400000); minus [0x380000, 0x390000); the bitmap (0x400 frames -> 128
 * bytes -> one page) takes 0x101000. */
TEST(overlapping_unsorted_entries_merge)
{
    static const struct boot_memory_region map[] = {
        { 0x200000, 0x200000, BOOT_MEMORY_AVAILABLE },
        { 0x380000, 0x10000, BOOT_MEMORY_RESERVED },
        { 0x100800, 0x200000, BOOT_MEMORY_AVAILABLE },
        { 0x500000, 0x800, BOOT_MEMORY_AVAILABLE },     /* smaller than a frame */
        { 0x600000, 0x100000, BOOT_MEMORY_BAD },
    };
    const struct pmm_layout layout = {
        .map = map, .map_count = ARRAY_SIZE(map), .map_phys = map_phys,
        .bitmap_limit = UINT64_MAX,
    };
    CHECK_EQ(pmm_init(&layout), 0);
    size_t n;
    const struct pmm_range *r = pmm_ranges(&n);
    CHECK_EQ(n, 2);
    CHECK_EQ(r[0].start, 0x102000); CHECK_EQ(r[0].end, 0x380000);
    CHECK_EQ(r[1].start, 0x390000); CHECK_EQ(r[1].end, 0x400000);
    CHECK_EQ(bitmap_at, 0x101000);
}

TEST(bitmap_goes_low_when_the_limit_demands_it)
{
    static const struct boot_memory_region map[] = {
        { 0x0, 0x80000, BOOT_MEMORY_AVAILABLE },
        { 0x100000, 0x100000, BOOT_MEMORY_AVAILABLE },
    };
    struct pmm_layout layout = {
        .map = map, .map_count = ARRAY_SIZE(map), .map_phys = map_phys,
        .bitmap_limit = 0x100000,
    };
    CHECK_EQ(pmm_init(&layout), 0);
    CHECK_EQ(bitmap_at, 0x1000);
    layout.bitmap_limit = 0x1000;                       /* nowhere fits */
    CHECK_EQ(pmm_init(&layout), -ENOMEM);
    CHECK_EQ(pmm_alloc_frame(), 0);
}

TEST(no_usable_memory_is_enomem)
{
    static const struct boot_memory_region map[] = {
        { 0x0, 0x1000, BOOT_MEMORY_AVAILABLE },         /* frame 0 only */
        { 0x100000, 0x100000, BOOT_MEMORY_RESERVED },
    };
    const struct pmm_layout layout = {
        .map = map, .map_count = ARRAY_SIZE(map), .map_phys = map_phys,
        .bitmap_limit = UINT64_MAX,
    };
    CHECK_EQ(pmm_init(&layout), -ENOMEM);
    CHECK_EQ(pmm_alloc_frame(), 0);
    CHECK_EQ(pmm_alloc_run(1), 0);
    CHECK_EQ(pmm_free_frame(0x100000), -EINVAL);
}

/* Random single frames and runs against a model of which frames are held. */
TEST(random_sequence_matches_a_model)
{
    init_qemu();
    static uint8_t held[0x7fe0];                      /* by frame number */
    static uint64_t live[4096], live_count[4096];
    size_t n = 0;
    uint64_t model_free = 32379, rng = 12345;
    memset(held, 0, sizeof(held));
    for (int step = 0; step < 200000; step++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(rng >> 33);
        if (n < 4096 && (r % 100 < 55 || n == 0)) {
            size_t count = r % 7 == 0 ? 1 + (r >> 8) % 64 : 1;
            uint64_t phys = count == 1 ? pmm_alloc_frame() : pmm_alloc_run(count);
            if (!phys)
                continue;
            for (size_t i = 0; i < count; i++) {
                CHECK(!held[phys / 4096 + i]);
                held[phys / 4096 + i] = 1;
            }
            live[n] = phys;
            live_count[n++] = count;
            model_free -= count;
        } else {
            size_t k = (r >> 4) % n;
            CHECK_EQ(live_count[k] == 1 ? pmm_free_frame(live[k])
                     : pmm_free_run(live[k], live_count[k]), 0);
            for (size_t i = 0; i < live_count[k]; i++)
                held[live[k] / 4096 + i] = 0;
            model_free += live_count[k];
            live[k] = live[--n];
            live_count[k] = live_count[n];
        }
        struct pmm_stats s;
        pmm_stats(&s);
        CHECK_EQ(s.free_frames, model_free);
    }
    while (n) {
        n--;
        CHECK_EQ(pmm_free_run(live[n], live_count[n]), 0);
    }
    struct pmm_stats s;
    pmm_stats(&s);
    CHECK_EQ(s.free_frames, 32379);
    CHECK_EQ(s.bad_releases, 0);
}
