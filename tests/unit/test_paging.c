/*
 * test_paging.c - host tests of the page-table encoders and walker
 * (kernel/arch/x86_64/paging.c). Source of truth: SDM Vol.3A 4.5, Tables 4-15 (PML4E),
 * 4-17 (PDPTE), 4-18 (PDE mapping a 2 MiB page), 4-19 (PDE), 4-20 (PTE). Expected entry
 * values are worked out by hand in the comments, bit by bit. The walker runs on trees
 * built inside an ordinary buffer: "physical" addresses are offsets into it.
 */
#include "unit.h"
#include "cpu_regs.h"
#include "errno.h"
#include "layout.h"
#include "paging.h"

TEST(entry_bits_match_the_sdm)
{
    CHECK_EQ(PTE_PRESENT, 0x1);                 /* bit 0 P */
    CHECK_EQ(PTE_WRITABLE, 0x2);                /* bit 1 R/W */
    CHECK_EQ(PTE_USER, 0x4);                    /* bit 2 U/S */
    CHECK_EQ(PTE_WRITE_THROUGH, 0x8);           /* bit 3 PWT */
    CHECK_EQ(PTE_CACHE_DISABLE, 0x10);          /* bit 4 PCD */
    CHECK_EQ(PTE_LARGE, 0x80);                  /* bit 7 PS */
    CHECK_EQ(PTE_GLOBAL, 0x100);                /* bit 8 G */
    CHECK_EQ(PTE_NX, 0x8000000000000000ull);    /* bit 63 XD */
    CHECK_EQ(EFER_NXE, 0x800);                  /* EFER bit 11 */
    CHECK_EQ(CPUID_EXT_NX, 0x100000);           /* CPUID 80000001H EDX bit 20 */
}

/*
 * 4 KiB PTE (Table 4-20), physical 0x123456000, writable, no-execute:
 *   bit 63 XD = 1 -> 0x8000000000000000; bits 51..12 = 0x123456 -> 0x123456000;
 *   bit 1 R/W, bit 0 P -> 0x3.  Sum: 0x8000000123456003.
 * User page at 0x1000, read-only: 0x1000 | U/S 0x4 | P 0x1 = 0x1005.
 */
TEST(page_entry_matches_hand_values)
{
    CHECK_EQ(paging_entry_page(0x123456000ull, PTE_WRITABLE | PTE_NX), 0x8000000123456003ull);
    CHECK_EQ(paging_entry_page(0x1000, PTE_USER), 0x1005);
    CHECK_EQ(paging_entry_page(0, 0), 0x1);     /* frame 0, read-only, present */
    /* The highest frame with 52 physical address bits: 0x000ffffffffff000 | 1. */
    CHECK_EQ(paging_entry_page(0xffffffffff000ull, 0), 0x000ffffffffff001ull);
}

TEST(page_entry_refuses_bad_arguments)
{
    CHECK_EQ(paging_entry_page(0x1001, 0), 0);               /* unaligned */
    CHECK_EQ(paging_entry_page(1ull << 52, 0), 0);           /* beyond 52 bits */
    CHECK_EQ(paging_entry_page(0x2000, PTE_LARGE), 0);       /* PS is not a caller flag */
    CHECK_EQ(paging_entry_page(0x2000, PTE_ACCESSED), 0);    /* nor are CPU-set bits */
}

/*
 * 2 MiB PDE (Table 4-18), physical 0x200000, writable, no-execute:
 *   0x8000000000000000 | 0x200000 | PS 0x80 | R/W 0x2 | P 0x1 = 0x8000000000200083.
 * Physical 0x40000000 (1 GiB), global, read-only: 0x40000000 | G 0x100 | PS 0x80 | P 0x1
 *   = 0x40000181.  An address with bit 12 set is refused: there it would be PAT.
 */
TEST(large_entry_matches_hand_values)
{
    CHECK_EQ(paging_entry_large(0x200000, PTE_WRITABLE | PTE_NX), 0x8000000000200083ull);
    CHECK_EQ(paging_entry_large(0x40000000, PTE_GLOBAL), 0x40000181);
    CHECK_EQ(paging_entry_large(0x201000, 0), 0);
}

/* Table pointer (Tables 4-15, 4-17, 4-19): address | R/W 0x2 | P 0x1, plus U/S 0x4
 * for a user-reachable subtree: 0x5000 -> 0x5003 / 0x5007. */
TEST(table_entry_matches_hand_values)
{
    CHECK_EQ(paging_entry_table(0x5000, false), 0x5003);
    CHECK_EQ(paging_entry_table(0x5000, true), 0x5007);
    CHECK_EQ(paging_entry_table(0x5008, false), 0);
}

/*
 * Indexes, bits 47..39 / 38..30 / 29..21 / 20..12 (Figure 4-8):
 *   0xffffffff80101000: PML4 511, PDPT 510, PD 0, PT 0x101 = 257 (the kernel window,
 *   boot.S's PML4[511] -> PDPT[510]); PHYS_MAP_BASE 0xffff800000000000: PML4 256.
 *   0x0000123456789000: bits 47..39 = 0x24 = 36, 38..30 = 0xd1 = 209,
 *   29..21 = 0xb3 = 179, 20..12 = 0x189 = 393.
 */
TEST(indexes_match_hand_values)
{
    CHECK_EQ(paging_index(0xffffffff80101000ull, 3), 511);
    CHECK_EQ(paging_index(0xffffffff80101000ull, 2), 510);
    CHECK_EQ(paging_index(0xffffffff80101000ull, 1), 0);
    CHECK_EQ(paging_index(0xffffffff80101000ull, 0), 257);
    CHECK_EQ(paging_index(PHYS_MAP_BASE, 3), 256);
    CHECK_EQ(paging_index(0x0000123456789000ull, 3), 36);
    CHECK_EQ(paging_index(0x0000123456789000ull, 2), 209);
    CHECK_EQ(paging_index(0x0000123456789000ull, 1), 179);
    CHECK_EQ(paging_index(0x0000123456789000ull, 0), 393);
    CHECK(paging_is_canonical(0x00007fffffffffffull));
    CHECK(paging_is_canonical(0xffff800000000000ull));
    CHECK(!paging_is_canonical(0x0000800000000000ull));
    CHECK(!paging_is_canonical(0xfffe800000000000ull));
}

/* ---- the walker on a tree in a buffer ---- */

#define ARENA_PAGES 64
static uint8_t arena[ARENA_PAGES * 4096] __attribute__((aligned(4096)));
static unsigned next_page, page_limit;

static bool arena_alloc(void *ctx, uint64_t *phys)
{
    (void)ctx;
    if (next_page >= page_limit)
        return false;
    memset(arena + next_page * 4096, 0xa5, 4096);      /* garbage: the walker zeroes */
    *phys = (uint64_t)next_page++ * 4096;
    return true;
}

static struct paging_space fresh_space(bool nx)
{
    memset(arena, 0, sizeof(arena));
    next_page = 1;                                      /* page 0: the PML4 */
    page_limit = ARENA_PAGES;
    struct paging_space s = {
        .root = 0, .window = (uintptr_t)arena, .window_end = sizeof(arena),
        .alloc_table = arena_alloc, .nx = nx,
    };
    return s;
}

static uint64_t *table(uint64_t phys)
{
    return (uint64_t *)(arena + phys);
}

TEST(map_builds_three_tables_and_translates)
{
    struct paging_space s = fresh_space(true);
    CHECK_EQ(paging_map(&s, 0xffffffff80101000ull, 0x345000, PTE_WRITABLE | PTE_NX), 0);
    CHECK_EQ(s.tables, 3);                              /* PDPT, PD, PT */
    /* PML4[511] -> page 1 (PDPT), PDPT[510] -> page 2 (PD), PD[0] -> page 3 (PT). */
    CHECK_EQ(table(0)[511], 0x1003);
    CHECK_EQ(table(0x1000)[510], 0x2003);
    CHECK_EQ(table(0x2000)[0], 0x3003);
    CHECK_EQ(table(0x3000)[257], 0x8000000000345003ull);
    CHECK_EQ(table(0x3000)[256], 0);                    /* the rest was zeroed */

    uint64_t phys = 0, flags = 0;
    CHECK(paging_query(&s, 0xffffffff80101abcull, &phys, &flags));
    CHECK_EQ(phys, 0x345abc);
    CHECK_EQ(flags, PTE_NX | PTE_WRITABLE | PTE_PRESENT);
    CHECK(!paging_query(&s, 0xffffffff80102000ull, &phys, &flags));

    /* A neighbour shares all three tables. */
    CHECK_EQ(paging_map(&s, 0xffffffff80102000ull, 0x346000, 0), 0);
    CHECK_EQ(s.tables, 3);
}

TEST(unmap_returns_the_frame_and_is_checked)
{
    struct paging_space s = fresh_space(true);
    CHECK_EQ(paging_map(&s, 0x400000, 0x9000, PTE_WRITABLE), 0);
    CHECK_EQ(paging_map(&s, 0x400000, 0xa000, PTE_WRITABLE), -EEXIST);
    uint64_t phys = 0;
    CHECK_EQ(paging_unmap(&s, 0x400000, &phys), 0);
    CHECK_EQ(phys, 0x9000);
    CHECK(!paging_query(&s, 0x400000, NULL, NULL));
    CHECK_EQ(paging_unmap(&s, 0x400000, NULL), -ENOENT);
    CHECK_EQ(paging_unmap(&s, 0x7f0000000000ull, NULL), -ENOENT);   /* no tables there */
    CHECK_EQ(paging_map(&s, 0x400000, 0xa000, 0), 0);              /* reusable */
}

TEST(bad_addresses_and_flags_are_refused)
{
    struct paging_space s = fresh_space(true);
    CHECK_EQ(paging_map(&s, 0x400800, 0x9000, 0), -EINVAL);          /* virt unaligned */
    CHECK_EQ(paging_map(&s, 0x400000, 0x9800, 0), -EINVAL);          /* phys unaligned */
    CHECK_EQ(paging_map(&s, 0x0000800000000000ull, 0x9000, 0), -EINVAL); /* non-canonical */
    CHECK_EQ(paging_map(&s, 0x400000, 0x9000, PTE_LARGE), -EINVAL);
    CHECK_EQ(paging_unmap(&s, 0x400001, NULL), -EINVAL);
    CHECK_EQ(paging_unmap(&s, 0x0000800000000000ull, NULL), -EINVAL);
    CHECK(!paging_query(&s, 0x0000800000000000ull, NULL, NULL));
    CHECK_EQ(s.tables, 0);
}

TEST(nx_is_dropped_without_efer_nxe)
{
    struct paging_space s = fresh_space(false);
    uint64_t flags = 0;
    CHECK_EQ(paging_map(&s, 0x400000, 0x9000, PTE_WRITABLE | PTE_NX), 0);
    CHECK(paging_query(&s, 0x400000, NULL, &flags));
    CHECK_EQ(flags, PTE_WRITABLE | PTE_PRESENT);        /* bit 63 would be reserved */
}

TEST(large_pages_map_translate_and_block_small_ones)
{
    struct paging_space s = fresh_space(true);
    CHECK_EQ(paging_map_large(&s, PHYS_MAP_BASE + 0x200000, 0x200000, PTE_WRITABLE | PTE_NX), 0);
    CHECK_EQ(s.tables, 2);                              /* PDPT and PD only */
    CHECK_EQ(table(0x2000)[1], 0x8000000000200083ull);
    uint64_t phys = 0, flags = 0;
    CHECK(paging_query(&s, PHYS_MAP_BASE + 0x212345, &phys, &flags));
    CHECK_EQ(phys, 0x212345);
    CHECK(flags & PTE_LARGE);
    CHECK_EQ(paging_map(&s, PHYS_MAP_BASE + 0x201000, 0x9000, 0), -EEXIST);
    CHECK_EQ(paging_unmap(&s, PHYS_MAP_BASE + 0x201000, NULL), -EINVAL);
    CHECK_EQ(paging_map_large(&s, PHYS_MAP_BASE + 0x201000, 0x200000, 0), -EINVAL);
    CHECK_EQ(paging_map_large(&s, PHYS_MAP_BASE + 0x200000, 0x400000, 0), -EEXIST);
}

TEST(user_mapping_widens_the_tables_above_it)
{
    struct paging_space s = fresh_space(true);
    CHECK_EQ(paging_map(&s, 0x400000, 0x9000, PTE_WRITABLE), 0);     /* kernel-only path */
    CHECK_EQ(table(0)[0] & PTE_USER, 0);
    CHECK_EQ(paging_map(&s, 0x401000, 0xa000, PTE_USER), 0);
    CHECK_EQ(table(0)[0], 0x1007);                      /* now U/S on every level above */
    CHECK_EQ(table(0x1000)[0], 0x2007);
    CHECK_EQ(table(0x2000)[2], 0x3007);
    CHECK_EQ(table(0x3000)[0], 0x9003);                 /* the kernel page stays kernel */
    CHECK_EQ(table(0x3000)[1], 0xa005);
}

TEST(out_of_table_pages_is_enomem)
{
    struct paging_space s = fresh_space(true);
    page_limit = 2;                                     /* room for the PDPT only */
    CHECK_EQ(paging_map(&s, 0x400000, 0x9000, 0), -ENOMEM);
    CHECK(!paging_query(&s, 0x400000, NULL, NULL));
    page_limit = ARENA_PAGES;
    CHECK_EQ(paging_map(&s, 0x400000, 0x9000, 0), 0);   /* the empty PDPT is reused */
    CHECK_EQ(s.tables, 3);
}

TEST(tables_outside_the_window_are_not_followed)
{
    struct paging_space s = fresh_space(true);
    table(0)[5] = paging_entry_table(0x100000000ull, false);        /* beyond the buffer */
    CHECK(!paging_query(&s, 5ull << 39, NULL, NULL));
    CHECK_EQ(paging_map(&s, 5ull << 39, 0x9000, 0), -EINVAL);
}

/* 600 pages from PT index 500 (to 1099): the run crosses into two more page tables,
 * each walked to once; each page gets its own frame, and unmapping returns them. */
TEST(page_runs_map_and_unmap_across_tables)
{
    struct paging_space s = fresh_space(true);
    static uint64_t frames[600], back[600];
    uint64_t virt = 0x40000000ull + 500 * 4096;          /* PD[0] of PDPT[1], PT[500] */
    for (int i = 0; i < 600; i++)
        frames[i] = 0x100000ull + (uint64_t)i * 0x2000;   /* every other frame */
    size_t done = 0;
    CHECK_EQ(paging_map_pages(&s, virt, frames, 600, PTE_WRITABLE | PTE_NX, &done), 0);
    CHECK_EQ(done, 600);
    CHECK_EQ(s.tables, 5);                               /* PDPT, PD, three PTs */
    for (int i = 0; i < 600; i += 37) {
        uint64_t phys = 0, flags = 0;
        CHECK(paging_query(&s, virt + (uint64_t)i * 4096 + 5, &phys, &flags));
        CHECK_EQ(phys, frames[i] + 5);
        CHECK_EQ(flags, PTE_NX | PTE_WRITABLE | PTE_PRESENT);
    }
    CHECK_EQ(paging_unmap(&s, virt + 10 * 4096, NULL), 0);     /* a hole */
    CHECK_EQ(paging_unmap_pages(&s, virt, 600, back), -ENOENT);
    for (int i = 0; i < 600; i++)
        CHECK_EQ(back[i], i == 10 ? 0 : frames[i]);
    CHECK(!paging_query(&s, virt + 599 * 4096, NULL, NULL));
    CHECK_EQ(paging_unmap_pages(&s, 0x7f0000000000ull, 3, back), -ENOENT);  /* no tables */
    CHECK_EQ(back[0], 0);
}

TEST(page_runs_stop_at_the_first_error)
{
    struct paging_space s = fresh_space(true);
    uint64_t frames[4] = { 0x1000, 0x2000, 0x3000, 0x4000 }, bad[2] = { 0x5000, 0x5001 };
    size_t done = 99;
    CHECK_EQ(paging_map(&s, 0x402000, 0x9000, 0), 0);
    CHECK_EQ(paging_map_pages(&s, 0x400000, frames, 4, 0, &done), -EEXIST);
    CHECK_EQ(done, 2);                                   /* 0x400000 and 0x401000 mapped */
    CHECK(paging_query(&s, 0x401000, NULL, NULL));
    CHECK(!paging_query(&s, 0x403000, NULL, NULL));
    CHECK_EQ(paging_map_pages(&s, 0x500000, bad, 2, 0, &done), -EINVAL);   /* unaligned */
    CHECK_EQ(done, 1);
    CHECK_EQ(paging_map_pages(&s, 0x500800, frames, 1, 0, &done), -EINVAL);
    CHECK_EQ(done, 0);
}
