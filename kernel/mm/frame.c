/*
 * frame.c - the physical frame allocator (frame.h): one bit per frame, 1 = in use.
 *
 *   memory map (available) --round inward--> ranges --minus reserved, frame 0,
 *   non-available entries, the bitmap itself--> usable ranges (sorted, disjoint)
 *
 *   bitmap: frames [0, top/4096), 64 per word; every frame outside a usable range is
 *   set for good, so the allocator only ever finds managed frames.
 *
 * Invariants: a bit is clear only for a free managed frame; `free_frames` counts the
 * clear bits; no clear bit lies below word `hint`. A release is checked against the
 * usable ranges (binary search) before it touches the bitmap, so a release of the
 * kernel image or of a hole is refused, not silently accepted.
 * Who may touch: all state with IRQs off or before STI (callers serialise).
 */
#include "frame.h"
#include "errno.h"
#include "kprintf.h"
#include "mm_report.h"
#include "string.h"

static struct {
    uint64_t *bitmap;              /* frames [0, frames): 1 = in use or not managed */
    uint64_t frames, words;
    uint64_t hint;                 /* lowest word that may have a clear bit */
    struct pmm_range ranges[PMM_RANGES_MAX];
    size_t range_count;
    struct pmm_stats stats;
} pmm;

/* ---- building the usable ranges ---- */

/* Remove [start, end) from every range, splitting where needed. */
static void subtract(uint64_t start, uint64_t end)
{
    start = ALIGN_DOWN(start, FRAME_SIZE);
    end = end > UINT64_MAX - FRAME_SIZE ? UINT64_MAX & ~(FRAME_SIZE - 1) : ALIGN_UP(end, FRAME_SIZE);
    if (start >= end)
        return;
    for (size_t i = 0; i < pmm.range_count; i++) {
        struct pmm_range *r = &pmm.ranges[i];
        if (end <= r->start || start >= r->end)
            continue;
        if (start > r->start && end < r->end) {            /* split in two */
            if (pmm.range_count == PMM_RANGES_MAX) {
                pmm.stats.truncated = true;                /* keep the lower part */
                r->end = start;
                continue;
            }
            memmove(r + 2, r + 1, (pmm.range_count - i - 1) * sizeof(*r));
            r[1].start = end;
            r[1].end = r->end;
            r->end = start;
            pmm.range_count++;
            i++;
        } else if (start <= r->start && end >= r->end) {   /* all of it */
            memmove(r, r + 1, (pmm.range_count - i - 1) * sizeof(*r));
            pmm.range_count--;
            i--;
        } else if (start <= r->start) {                    /* its bottom */
            r->start = end;
        } else {                                           /* its top */
            r->end = start;
        }
    }
}

/* Insert [start, end) keeping the list sorted and merging overlaps. */
static void add(uint64_t start, uint64_t end)
{
    start = ALIGN_UP(start, FRAME_SIZE);
    end = ALIGN_DOWN(end, FRAME_SIZE);
    if (start >= end)
        return;
    size_t i = 0;
    while (i < pmm.range_count && pmm.ranges[i].end < start)
        i++;
    if (i < pmm.range_count && pmm.ranges[i].start <= end) {   /* overlaps or touches */
        struct pmm_range *r = &pmm.ranges[i];
        r->start = start < r->start ? start : r->start;
        r->end = end > r->end ? end : r->end;
        while (i + 1 < pmm.range_count && pmm.ranges[i + 1].start <= r->end) {
            if (pmm.ranges[i + 1].end > r->end)
                r->end = pmm.ranges[i + 1].end;
            memmove(r + 1, r + 2, (pmm.range_count - i - 2) * sizeof(*r));
            pmm.range_count--;
        }
        return;
    }
    if (pmm.range_count == PMM_RANGES_MAX) {
        pmm.stats.truncated = true;
        return;
    }
    memmove(&pmm.ranges[i + 1], &pmm.ranges[i], (pmm.range_count - i) * sizeof(pmm.ranges[0]));
    pmm.ranges[i].start = start;
    pmm.ranges[i].end = end;
    pmm.range_count++;
}

static uint64_t frames_in_ranges(void)
{
    uint64_t n = 0;
    for (size_t i = 0; i < pmm.range_count; i++)
        n += (pmm.ranges[i].end - pmm.ranges[i].start) / FRAME_SIZE;
    return n;
}

/* First range at or above 1 MiB with room for `bytes` below `limit`; else any. */
static bool place_bitmap(uint64_t bytes, uint64_t limit, uint64_t *phys)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < pmm.range_count; i++) {
            const struct pmm_range *r = &pmm.ranges[i];
            if (pass == 0 && r->start < PMM_LOW_MEMORY)
                continue;
            if (r->end - r->start >= bytes && r->start + bytes <= limit) {
                *phys = r->start;
                return true;
            }
        }
    }
    return false;
}

static inline void mark(uint64_t frame, bool used)
{
    if (used)
        pmm.bitmap[frame / 64] |= 1ull << (frame % 64);
    else
        pmm.bitmap[frame / 64] &= ~(1ull << (frame % 64));
}

static inline bool is_used(uint64_t frame)
{
    return pmm.bitmap[frame / 64] & (1ull << (frame % 64));
}

int pmm_init(const struct pmm_layout *layout)
{
    memset(&pmm, 0, sizeof(pmm));
    for (size_t i = 0; i < layout->map_count; i++) {
        const struct boot_memory_region *m = &layout->map[i];
        if (m->type != BOOT_MEMORY_AVAILABLE || m->base + m->length < m->base)
            continue;
        pmm.stats.available_bytes += m->length;
        add(m->base, m->base + m->length);
    }
    uint64_t available_frames = frames_in_ranges();
    /* Whatever the map also calls something else is not plainly usable. */
    for (size_t i = 0; i < layout->map_count; i++) {
        const struct boot_memory_region *m = &layout->map[i];
        if (m->type != BOOT_MEMORY_AVAILABLE)
            subtract(m->base, m->length > UINT64_MAX - m->base ? UINT64_MAX : m->base + m->length);
    }
    subtract(0, FRAME_SIZE);              /* frame 0: real-mode IVT, and our "no frame" */
    for (size_t i = 0; i < layout->reserved_count; i++)
        subtract(layout->reserved[i].start, layout->reserved[i].end);
    if (pmm.range_count == 0)
        return -ENOMEM;

    uint64_t top = pmm.ranges[pmm.range_count - 1].end;
    pmm.frames = top / FRAME_SIZE;
    pmm.words = (pmm.frames + 63) / 64;
    uint64_t bytes = ALIGN_UP(pmm.words * 8, FRAME_SIZE), phys = 0;
    if (!place_bitmap(bytes, layout->bitmap_limit, &phys) ||
        !(pmm.bitmap = layout->map_phys(phys, bytes, layout->ctx))) {
        memset(&pmm, 0, sizeof(pmm));              /* nothing allocatable, nothing managed */
        return -ENOMEM;
    }
    subtract(phys, phys + bytes);

    memset(pmm.bitmap, 0xff, bytes);
    for (size_t i = 0; i < pmm.range_count; i++) {
        for (uint64_t f = pmm.ranges[i].start / FRAME_SIZE; f < pmm.ranges[i].end / FRAME_SIZE; f++)
            mark(f, false);
    }
    pmm.hint = pmm.ranges[0].start / FRAME_SIZE / 64;
    pmm.stats.managed_frames = pmm.stats.free_frames = frames_in_ranges();
    pmm.stats.reserved_frames = available_frames - pmm.stats.managed_frames;
    pmm.stats.top = pmm.range_count ? pmm.ranges[pmm.range_count - 1].end : 0;
    pmm.stats.bitmap_phys = phys;
    pmm.stats.bitmap_bytes = bytes;
    pmm.stats.range_count = pmm.range_count;
    return 0;
}

/* ---- allocation ---- */

uint64_t pmm_alloc_frame(void)
{
    for (uint64_t w = pmm.hint; w < pmm.words; w++) {
        if (pmm.bitmap[w] != ~0ull) {
            uint64_t frame = w * 64 + (uint64_t)__builtin_ctzll(~pmm.bitmap[w]);
            pmm.hint = w;
            mark(frame, true);
            pmm.stats.free_frames--;
            return frame * FRAME_SIZE;
        }
    }
    pmm.hint = pmm.words;
    return 0;
}

uint64_t pmm_alloc_run(size_t count)
{
    if (count == 0 || count > pmm.stats.free_frames)
        return 0;
    uint64_t run = 0;
    for (uint64_t f = pmm.hint * 64; f < pmm.frames; f++) {
        if (f % 64 == 0 && pmm.bitmap[f / 64] == ~0ull) {    /* skip full words */
            run = 0;
            f += 63;
            continue;
        }
        run = is_used(f) ? 0 : run + 1;
        if (run == count) {
            uint64_t first = f + 1 - count;
            for (uint64_t g = first; g <= f; g++)
                mark(g, true);
            pmm.stats.free_frames -= count;
            return first * FRAME_SIZE;
        }
    }
    return 0;
}

/* ---- release ---- */

static inline bool is_managed(uint64_t phys)
{
    size_t low = 0, high = pmm.range_count;              /* binary search */
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (phys < pmm.ranges[mid].start)
            high = mid;
        else if (phys >= pmm.ranges[mid].end)
            low = mid + 1;
        else
            return true;
    }
    return false;
}

/* 0, or the error for the first bad frame of [phys, phys + count frames). */
static int check_release(uint64_t phys, size_t count, uint64_t *bad)
{
    if (phys & (FRAME_SIZE - 1)) {
        *bad = phys;
        return -EINVAL;
    }
    for (size_t i = 0; i < count; i++) {
        uint64_t p = phys + i * FRAME_SIZE;
        *bad = p;
        if (p < phys || !is_managed(p))
            return -EINVAL;
        if (!is_used(p / FRAME_SIZE))
            return -ENOENT;
    }
    return 0;
}

static int release(uint64_t phys, size_t count, const void *caller)
{
    uint64_t bad = phys;
    int err = check_release(phys, count, &bad);
    if (err) {
        pmm.stats.bad_releases++;
        if (err == -ENOENT)
            kprintf(ANSI_RED "pmm: double free of frame 0x%lx refused" ANSI_RESET, bad);
        else
            kprintf(ANSI_RED "pmm: release of 0x%lx refused: not a frame the allocator "
                    "manages" ANSI_RESET, bad);
        mm_print_caller(caller);
        return err;
    }
    for (size_t i = 0; i < count; i++)
        mark(phys / FRAME_SIZE + i, false);
    pmm.stats.free_frames += count;
    if (phys / FRAME_SIZE / 64 < pmm.hint)
        pmm.hint = phys / FRAME_SIZE / 64;
    return 0;
}

__noinline int pmm_free_frame(uint64_t phys)
{
    uint64_t frame = phys / FRAME_SIZE;
    if (!(phys & (FRAME_SIZE - 1)) && frame < pmm.frames && is_managed(phys)) {
        uint64_t *word = &pmm.bitmap[frame / 64], bit = 1ull << (frame % 64);
        if (*word & bit) {                         /* the common case, checked and done */
            *word &= ~bit;
            pmm.stats.free_frames++;
            if (frame / 64 < pmm.hint)
                pmm.hint = frame / 64;
            return 0;
        }
    }
    return release(phys, 1, __builtin_return_address(0));   /* refused and reported */
}

__noinline int pmm_free_run(uint64_t phys, size_t count)
{
    return release(phys, count, __builtin_return_address(0));
}

bool pmm_is_allocated(uint64_t phys)
{
    return is_managed(phys) && is_used(phys / FRAME_SIZE);
}

/* ---- reporting ---- */

void pmm_stats(struct pmm_stats *out)
{
    *out = pmm.stats;
}

const struct pmm_range *pmm_ranges(size_t *count)
{
    *count = pmm.range_count;
    return pmm.ranges;
}


