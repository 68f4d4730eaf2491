/*
 * test_pmm.c - the frame allocator on the real memory map: its totals match what the
 * loader reported minus what it must withhold, frames and runs round-trip, and bad
 * releases (double free, a frame of the kernel image) are reported and refused.
 */
#include "errno.h"
#include "frame.h"
#include "ktest.h"
#include "layout.h"
#include "string.h"

extern const struct boot_info *ktest_boot;
extern char __image_phys_start[], __bss_end_phys[];

static char report[1024];

/* Frames touched by [start, end): the withheld ranges may share frames (GRUB puts its
 * information structure in the tail of the last .text page, inside the image). */
struct span {
    uint64_t start, end;
};

static bool in_span(const struct span *s, uint64_t frame)
{
    return frame >= ALIGN_DOWN(s->start, 4096) && frame < ALIGN_UP(s->end, 4096);
}

/* Count independently of frame.c: whole frames of every available entry (QEMU's and
 * GRUB's maps have no overlapping entries), minus the union of frame 0, the image, the
 * information structure, the modules and the bitmap, all of which lie in available RAM. */
KTEST(frame_totals_match_the_memory_map)
{
    const struct boot_info *b = ktest_boot;
    uint64_t available = 0;
    for (size_t i = 0; i < b->mmap_count; i++) {
        const struct boot_memory_region *m = &b->mmap[i];
        if (m->type == BOOT_MEMORY_AVAILABLE)
            available += (ALIGN_DOWN(m->base + m->length, 4096) - ALIGN_UP(m->base, 4096)) / 4096;
    }
    struct pmm_stats s;
    pmm_stats(&s);
    struct span spans[4 + BOOT_MODULES_MAX] = {
        { 0, 1 },
        { (uint64_t)__image_phys_start, (uint64_t)__bss_end_phys },
        { b->info_phys, b->info_phys + b->info_size },
        { s.bitmap_phys, s.bitmap_phys + s.bitmap_bytes },
    };
    size_t count = 4;
    for (size_t i = 0; i < b->module_count; i++)
        spans[count++] = (struct span){ b->modules[i].start, b->modules[i].end };
    uint64_t withheld = 0;
    for (size_t i = 0; i < count; i++) {
        for (uint64_t f = ALIGN_DOWN(spans[i].start, 4096); f < spans[i].end; f += 4096) {
            bool seen = false;
            for (size_t j = 0; j < i; j++)
                seen = seen || in_span(&spans[j], f);
            withheld += !seen;
        }
    }

    KCHECK_EQ(s.available_bytes, boot_info_available_bytes(b));
    KCHECK_EQ(s.managed_frames + s.reserved_frames, available);
    KCHECK_EQ(s.reserved_frames, withheld);

    size_t n;
    const struct pmm_range *r = pmm_ranges(&n);
    uint64_t in_ranges = 0;
    for (size_t i = 0; i < n; i++) {
        in_ranges += (r[i].end - r[i].start) / 4096;
        KCHECK(r[i].start >= 4096 && r[i].start < r[i].end);
        KCHECK(i == 0 || r[i].start >= r[i - 1].end);            /* sorted, disjoint */
        for (size_t j = 0; j < count; j++)                        /* nothing withheld */
            KCHECK(r[i].end <= ALIGN_DOWN(spans[j].start, 4096) ||
                   r[i].start >= ALIGN_UP(spans[j].end, 4096));
    }
    KCHECK_EQ(in_ranges, s.managed_frames);
    KCHECK(s.free_frames < s.managed_frames);        /* the page tables took some */
    KCHECK(!s.truncated);
}

KTEST(frames_and_runs_round_trip)
{
    struct pmm_stats before, after;
    pmm_stats(&before);
    uint64_t frame = pmm_alloc_frame();
    KCHECK(frame != 0 && frame % 4096 == 0);
    KCHECK(pmm_is_allocated(frame));
    volatile uint64_t *p = phys_to_virt(frame);
    p[0] = 0x1122334455667788ull;
    p[511] = 42;
    KCHECK_EQ(p[0], 0x1122334455667788ull);
    KCHECK_EQ(pmm_free_frame(frame), 0);
    KCHECK(!pmm_is_allocated(frame));

    uint64_t run = pmm_alloc_run(16);
    KCHECK(run != 0);
    for (uint64_t i = 0; i < 16; i++)
        KCHECK(pmm_is_allocated(run + i * 4096));
    memset(phys_to_virt(run), 0x5a, 16 * 4096);                 /* all of it is RAM */
    KCHECK_EQ(pmm_free_run(run, 16), 0);
    pmm_stats(&after);
    KCHECK_EQ(after.free_frames, before.free_frames);
}

KTEST(frame_double_free_is_reported_with_the_caller)
{
    uint64_t frame = pmm_alloc_frame();
    KCHECK_EQ(pmm_free_frame(frame), 0);
    ktest_capture_begin(report, sizeof(report));
    int err = pmm_free_frame(frame);
    ktest_capture_end();
    KCHECK_EQ(err, -ENOENT);
    KCHECK(strstr(report, "pmm: double free of frame"));
    KCHECK(strstr(report, "<frame_double_free_is_reported_with_the_caller+"));
}

KTEST(frame_release_outside_managed_memory_is_refused)
{
    struct pmm_stats before, after;
    pmm_stats(&before);
    ktest_capture_begin(report, sizeof(report));
    KCHECK_EQ(pmm_free_frame((uint64_t)__image_phys_start + 0x1000), -EINVAL);  /* kernel */
    KCHECK_EQ(pmm_free_frame(0xb8000), -EINVAL);                 /* VGA: not RAM */
    KCHECK_EQ(pmm_free_frame(1ull << 40), -EINVAL);              /* beyond RAM */
    KCHECK_EQ(pmm_free_frame(0x12345), -EINVAL);                 /* unaligned */
    ktest_capture_end();
    KCHECK(strstr(report, "not a frame the allocator manages"));
    pmm_stats(&after);
    KCHECK_EQ(after.free_frames, before.free_frames);
    KCHECK_EQ(after.bad_releases, before.bad_releases + 4);
}
