/*
 * test_elf.c - host tests of kernel/proc/elf.c: a linker-shaped static executable built
 * in memory, then broken one field at a time (each refusal's exact reason), truncated at
 * every length, and corrupted at random; plus a real static executable linked by the
 * host gcc. Field offsets are written out by hand from the ELF-64 Object File Format 1.5
 * (Figures 2 and 7), independently of elf.c's structs. Every parse gets an exact-size
 * heap copy, so ASan reports any read past the end of the file.
 */
#include <unistd.h>

#include "unit.h"
#include "elf.h"
#include "errno.h"

#define USER_BASE 0x400000ull             /* as kernel/arch/x86_64/layout.h */
#define USER_END  0x00007ffffffff000ull
/* Where segments must end: under the 64 KiB user stack below USER_END and the unmapped
 * guard page below that (0x7ffffffff000 - 0x10000 - 0x1000). */
#define SEGMENTS_END 0x00007ffffffee000ull

/* Elf64_Ehdr and Elf64_Phdr field offsets, by hand. */
#define EH_CLASS     4
#define EH_DATA      5
#define EH_IDVERSION 6
#define EH_TYPE      0x10
#define EH_MACHINE   0x12
#define EH_VERSION   0x14
#define EH_ENTRY     0x18
#define EH_PHOFF     0x20
#define EH_EHSIZE    0x34
#define EH_PHENTSIZE 0x36
#define EH_PHNUM     0x38
#define PH_SIZE      56
#define PH_TYPE      0
#define PH_FLAGS     4
#define PH_OFFSET    8
#define PH_VADDR     0x10
#define PH_FILESZ    0x20
#define PH_MEMSZ     0x28
#define PH_ALIGN     0x30

#define PT_NULL      0
#define PT_LOAD      1
#define PT_INTERP    3
#define PT_NOTE      4
#define PT_GNU_STACK 0x6474e551u
#define R ELF_SEGMENT_READ
#define W ELF_SEGMENT_WRITE
#define X ELF_SEGMENT_EXEC

static inline void put16(uint8_t *at, uint16_t v) { memcpy(at, &v, 2); }
static inline void put32(uint8_t *at, uint32_t v) { memcpy(at, &v, 4); }
static inline void put64(uint8_t *at, uint64_t v) { memcpy(at, &v, 8); }
static inline uint16_t get16(const uint8_t *at) { uint16_t v; memcpy(&v, at, 2); return v; }

/* ---- builder: an ELF header, then program headers appended from offset 64 ---- */
static uint8_t file[0x4000];
static size_t file_size;

static void elf_start(size_t size, uint64_t entry)
{
    memset(file, 0, sizeof(file));
    file_size = size;
    memcpy(file, "\x7f" "ELF", 4);
    file[EH_CLASS] = 2;                   /* ELFCLASS64 */
    file[EH_DATA] = 1;                    /* ELFDATA2LSB */
    file[EH_IDVERSION] = 1;
    put16(file + EH_TYPE, 2);             /* ET_EXEC */
    put16(file + EH_MACHINE, 62);         /* EM_X86_64 */
    put32(file + EH_VERSION, 1);
    put64(file + EH_ENTRY, entry);
    put64(file + EH_PHOFF, 64);
    put16(file + EH_EHSIZE, 64);
    put16(file + EH_PHENTSIZE, PH_SIZE);
    for (size_t i = 64; i < size; i++)   /* bytes that are not headers: a pattern */
        file[i] = (uint8_t)(i * 7);
}

static uint8_t *phdr(size_t index)
{
    return file + 64 + index * PH_SIZE;
}

static uint8_t *elf_phdr(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
                         uint64_t filesz, uint64_t memsz)
{
    uint16_t n = get16(file + EH_PHNUM);
    uint8_t *p = phdr(n);
    memset(p, 0, PH_SIZE);
    put32(p + PH_TYPE, type);
    put32(p + PH_FLAGS, flags);
    put64(p + PH_OFFSET, offset);
    put64(p + PH_VADDR, vaddr);
    put64(p + 0x18, vaddr);               /* p_paddr */
    put64(p + PH_FILESZ, filesz);
    put64(p + PH_MEMSZ, memsz);
    put64(p + PH_ALIGN, 0x1000);
    put16(file + EH_PHNUM, (uint16_t)(n + 1));
    return p;
}

/*
 * What GNU ld makes of a small static program (-z separate-code), file size 0x2100:
 *   PT_LOAD 0  R   off 0x0000  0x400000  filesz 0x190 (the headers: 64 + 6 * 56)
 *   PT_LOAD 1  R X off 0x1000  0x401000  0x100         entry 0x401020
 *   PT_LOAD 2  R   off 0x2000  0x402000  0x80
 *   PT_LOAD 3  RW  off 0x2080  0x403010  filesz 0x80, memsz 0x2000 (bss); ends at the
 *                  file's last byte, and offset and vaddr differ modulo 4096
 *   PT_GNU_STACK RW, PT_NOTE: ignored
 */
static void build_valid(void)
{
    elf_start(0x2100, 0x401020);
    elf_phdr(PT_LOAD, R, 0, 0x400000, 0x190, 0x190);
    elf_phdr(PT_LOAD, R | X, 0x1000, 0x401000, 0x100, 0x100);
    elf_phdr(PT_LOAD, R, 0x2000, 0x402000, 0x80, 0x80);
    elf_phdr(PT_LOAD, R | W, 0x2080, 0x403010, 0x80, 0x2000);
    elf_phdr(PT_GNU_STACK, R | W, 0, 0, 0, 0);
    elf_phdr(PT_NOTE, R, 0x2000, 0x402000, 0x20, 0x20);
}

/* `count` PT_LOAD segments of 0x10 bytes, one per page from USER_BASE; the first is
 * R X and holds the entry point. */
static void build_segments(size_t count)
{
    elf_start(0x2000, USER_BASE);
    for (size_t i = 0; i < count; i++)
        elf_phdr(PT_LOAD, i == 0 ? R | X : R, 0x1000 + i * 0x10, USER_BASE + i * 0x1000,
                 0x10, 0x10);
}

/* ---- parsing an exact-size heap copy ---- */
static struct elf_image image;
static const char *error;

static int parse_copy(const uint8_t *bytes, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, bytes, len);
    error = NULL;
    memset(&image, 0xa5, sizeof(image));
    int rc = elf_parse(copy, len, &image, &error);
    free(copy);
    return rc;
}

static int parse(void)
{
    return parse_copy(file, file_size);
}

#define CHECK_REFUSED(rc, reason)                                                   \
    do {                                                                            \
        CHECK_EQ((rc), -ENOEXEC);                                                   \
        CHECK(error != NULL);                                                       \
        CHECK_STR(error, (reason));                                                 \
    } while (0)

static void check_segment(size_t i, uint64_t vaddr, uint64_t memsz, uint64_t offset,
                          uint64_t filesz, uint32_t flags)
{
    CHECK(i < image.segment_count);
    CHECK_EQ(image.segments[i].vaddr, vaddr);
    CHECK_EQ(image.segments[i].memsz, memsz);
    CHECK_EQ(image.segments[i].offset, offset);
    CHECK_EQ(image.segments[i].filesz, filesz);
    CHECK_EQ(image.segments[i].flags, flags);
}

TEST(valid_executable_is_described)
{
    build_valid();
    CHECK_EQ(parse(), 0);
    CHECK(error == NULL);                 /* untouched on success */
    CHECK_EQ(image.entry, 0x401020);
    CHECK_EQ(image.segment_count, 4);
    check_segment(0, 0x400000, 0x190, 0, 0x190, R);
    check_segment(1, 0x401000, 0x100, 0x1000, 0x100, R | X);
    check_segment(2, 0x402000, 0x80, 0x2000, 0x80, R);
    check_segment(3, 0x403010, 0x2000, 0x2080, 0x80, R | W);
}

TEST(file_need_not_be_aligned)
{
    build_valid();
    uint8_t *buffer = malloc(file_size + 1);
    memcpy(buffer + 1, file, file_size);  /* UBSan reports any misaligned load */
    error = NULL;
    CHECK_EQ(elf_parse(buffer + 1, file_size, &image, &error), 0);
    free(buffer);
    CHECK_EQ(image.segment_count, 4);
    CHECK_EQ(image.segments[3].memsz, 0x2000);
}

TEST(short_file_is_refused)
{
    build_valid();
    CHECK_REFUSED(parse_copy(file, 0), "file shorter than the 64-byte ELF header");
    CHECK_REFUSED(parse_copy(file, 63), "file shorter than the 64-byte ELF header");
    CHECK_REFUSED(parse_copy(file, 64), "program header table runs past the end of the "
                  "file (e_phoff + e_phnum * 56)");
}

TEST(bad_identification_is_refused)
{
    for (size_t i = 0; i < 4; i++) {
        build_valid();
        file[i] ^= 0x20;
        CHECK_REFUSED(parse(), "bad magic (not an ELF file)");
    }
    build_valid();
    file[EH_CLASS] = 1;
    CHECK_REFUSED(parse(), "not ELFCLASS64 (a 32-bit ELF file)");
    file[EH_CLASS] = 0;
    CHECK_REFUSED(parse(), "not ELFCLASS64 (invalid EI_CLASS)");
    file[EH_CLASS] = 3;
    CHECK_REFUSED(parse(), "not ELFCLASS64 (invalid EI_CLASS)");

    build_valid();
    file[EH_DATA] = 2;
    CHECK_REFUSED(parse(), "not little-endian (ELFDATA2MSB)");
    file[EH_DATA] = 0;
    CHECK_REFUSED(parse(), "not little-endian (invalid EI_DATA)");

    build_valid();
    file[EH_IDVERSION] = 0;
    CHECK_REFUSED(parse(), "EI_VERSION is not 1 (EV_CURRENT)");
    file[EH_IDVERSION] = 2;
    CHECK_REFUSED(parse(), "EI_VERSION is not 1 (EV_CURRENT)");

    build_valid();
    file[7] = 3;                          /* EI_OSABI GNU, as glibc's static binaries */
    file[8] = 1;                          /* EI_ABIVERSION */
    CHECK_EQ(parse(), 0);
}

TEST(bad_version_type_and_machine_are_refused)
{
    build_valid();
    put32(file + EH_VERSION, 0);
    CHECK_REFUSED(parse(), "e_version is not 1 (EV_CURRENT)");
    put32(file + EH_VERSION, 0x101);
    CHECK_REFUSED(parse(), "e_version is not 1 (EV_CURRENT)");

    static const struct { uint16_t type; const char *reason; } types[] = {
        { 0, "ET_NONE: not an executable (no file type)" },
        { 1, "ET_REL: a relocatable object file, not a linked executable" },
        { 3, "ET_DYN: position-independent executables are not supported" },
        { 4, "ET_CORE: a core dump, not an executable" },
        { 5, "not an executable (unknown e_type)" },
        { 0xfe00, "not an executable (unknown e_type)" },    /* ET_LOOS */
        { 0x0200, "not an executable (unknown e_type)" },    /* ET_EXEC big-endian */
    };
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        build_valid();
        put16(file + EH_TYPE, types[i].type);
        CHECK_REFUSED(parse(), types[i].reason);
    }

    static const struct { uint16_t machine; const char *reason; } machines[] = {
        { 0, "not x86_64 (machine 0, EM_NONE)" },
        { 3, "not x86_64 (machine 3, EM_386)" },
        { 40, "not x86_64 (machine 40, EM_ARM)" },
        { 183, "not x86_64 (machine 183, EM_AARCH64)" },
        { 243, "not x86_64 (machine 243, EM_RISCV)" },
        { 50, "not x86_64 (e_machine is not 62, EM_X86_64)" },      /* IA-64 */
        { 0x3e00, "not x86_64 (e_machine is not 62, EM_X86_64)" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(machines); i++) {
        build_valid();
        put16(file + EH_MACHINE, machines[i].machine);
        CHECK_REFUSED(parse(), machines[i].reason);
    }
}

TEST(bad_program_header_table_is_refused)
{
    static const uint16_t sizes[] = { 0, 32, 55, 57, 64 };
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        build_valid();
        put16(file + EH_PHENTSIZE, sizes[i]);
        CHECK_REFUSED(parse(), "e_phentsize is not 56 (the size of an Elf64_Phdr)");
    }
    build_valid();
    put16(file + EH_PHNUM, 0xffff);
    CHECK_REFUSED(parse(), "e_phnum is PN_XNUM: extended program header numbering is not "
                  "supported");

    static const uint64_t past[] = { 0x2101, 0x10000, 1ull << 63, UINT64_MAX - 55,
                                     UINT64_MAX };
    for (size_t i = 0; i < ARRAY_SIZE(past); i++) {
        build_valid();
        put64(file + EH_PHOFF, past[i]);
        CHECK_REFUSED(parse(), "program header table starts past the end of the file "
                      "(e_phoff)");
    }
    /* 6 headers (336 bytes) from 0x2100 - 335: one byte short; 0x2100 itself: none fit. */
    static const uint64_t short_by[] = { 0x2100 - 335, 0x2100 - 1, 0x2100 };
    for (size_t i = 0; i < ARRAY_SIZE(short_by); i++) {
        build_valid();
        put64(file + EH_PHOFF, short_by[i]);
        CHECK_REFUSED(parse(), "program header table runs past the end of the file "
                      "(e_phoff + e_phnum * 56)");
    }
    build_valid();                         /* the most headers e_phnum can claim */
    put16(file + EH_PHNUM, 0xfffe);
    CHECK_REFUSED(parse(), "program header table runs past the end of the file "
                  "(e_phoff + e_phnum * 56)");
}

TEST(program_header_table_may_end_at_the_end_of_the_file)
{
    build_valid();
    uint8_t table[6 * PH_SIZE];
    memcpy(table, phdr(0), sizeof(table));
    file_size = 0x2100 + sizeof(table);
    memcpy(file + 0x2100, table, sizeof(table));
    memset(phdr(0), 0, sizeof(table));    /* the old place holds nothing useful now */
    put64(file + EH_PHOFF, 0x2100);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(image.segment_count, 4);
    check_segment(3, 0x403010, 0x2000, 0x2080, 0x80, R | W);
}

TEST(no_loadable_segment_is_refused)
{
    build_valid();
    put16(file + EH_PHNUM, 0);
    CHECK_REFUSED(parse(), "no PT_LOAD segment");
    build_valid();
    for (size_t i = 0; i < 4; i++)
        put32(phdr(i) + PH_TYPE, PT_NULL);
    CHECK_REFUSED(parse(), "no PT_LOAD segment");
}

TEST(too_many_segments_are_refused)
{
    build_segments(ELF_MAX_SEGMENTS);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(image.segment_count, ELF_MAX_SEGMENTS);
    check_segment(7, USER_BASE + 0x7000, 0x10, 0x1070, 0x10, R);

    build_segments(ELF_MAX_SEGMENTS + 1);
    CHECK_REFUSED(parse(), "more than 8 PT_LOAD segments (ELF_MAX_SEGMENTS)");
    /* Empty PT_LOAD headers are skipped, but still count against the limit. */
    build_segments(ELF_MAX_SEGMENTS);
    elf_phdr(PT_LOAD, R, 0, 0, 0, 0);
    CHECK_REFUSED(parse(), "more than 8 PT_LOAD segments (ELF_MAX_SEGMENTS)");
}

TEST(empty_segments_are_skipped)
{
    build_valid();
    /* p_memsz 0 maps nothing: wild address, W+X and offset do not matter. */
    put32(phdr(4) + PH_TYPE, PT_LOAD);    /* the PT_GNU_STACK header */
    put32(phdr(4) + PH_FLAGS, R | W | X);
    put64(phdr(4) + PH_VADDR, 0xffff800000000000ull);
    put64(phdr(4) + PH_OFFSET, UINT64_MAX);
    CHECK_EQ(parse(), 0);
    CHECK_EQ(image.segment_count, 4);

    build_valid();
    for (size_t i = 0; i < 4; i++) {
        put64(phdr(i) + PH_FILESZ, 0);
        put64(phdr(i) + PH_MEMSZ, 0);
    }
    CHECK_REFUSED(parse(), "no PT_LOAD segment with a non-zero p_memsz");

    build_valid();                         /* but p_filesz > p_memsz is checked first */
    put64(phdr(2) + PH_MEMSZ, 0);
    CHECK_REFUSED(parse(), "PT_LOAD segment 2: p_filesz is larger than p_memsz");
}

TEST(file_size_larger_than_memory_size_is_refused)
{
    build_valid();
    put64(phdr(1) + PH_FILESZ, 0x101);
    CHECK_REFUSED(parse(), "PT_LOAD segment 1: p_filesz is larger than p_memsz");
    build_valid();
    put64(phdr(3) + PH_FILESZ, UINT64_MAX);
    CHECK_REFUSED(parse(), "PT_LOAD segment 3: p_filesz is larger than p_memsz");
}

TEST(segment_bytes_outside_the_file_are_refused)
{
    const char *reason = "PT_LOAD segment 3: file bytes (p_offset + p_filesz) run past the "
                         "end of the file";
    build_valid();
    put64(phdr(3) + PH_FILESZ, 0x81);     /* one byte past the end */
    CHECK_REFUSED(parse(), reason);
    build_valid();
    put64(phdr(3) + PH_OFFSET, 0x2081);
    CHECK_REFUSED(parse(), reason);
    build_valid();
    put64(phdr(3) + PH_OFFSET, 0x2101);   /* starts past the end */
    CHECK_REFUSED(parse(), reason);
    build_valid();                         /* offset + filesz wraps to 0x7f */
    put64(phdr(3) + PH_OFFSET, UINT64_MAX);
    CHECK_REFUSED(parse(), reason);
    build_valid();                         /* filesz huge: offset + filesz wraps */
    put64(phdr(3) + PH_FILESZ, UINT64_MAX - 0x1000);
    put64(phdr(3) + PH_MEMSZ, UINT64_MAX);
    CHECK_REFUSED(parse(), reason);

    build_valid();                         /* no file bytes: the offset is not looked at */
    put64(phdr(3) + PH_FILESZ, 0);
    put64(phdr(3) + PH_OFFSET, UINT64_MAX);
    CHECK_EQ(parse(), 0);
    check_segment(3, 0x403010, 0x2000, UINT64_MAX, 0, R | W);
}

/* PT_LOAD segment 3 of the valid file moved to each (vaddr, memsz) of `bad`, with one
 * file byte: refused, saying `reason`. */
static void check_segment_3_refused(const uint64_t (*bad)[2], size_t count,
                                    const char *reason)
{
    for (size_t i = 0; i < count; i++) {
        build_valid();
        put64(phdr(3) + PH_VADDR, bad[i][0]);
        put64(phdr(3) + PH_MEMSZ, bad[i][1]);
        put64(phdr(3) + PH_FILESZ, 1);
        CHECK_REFUSED(parse(), reason);
    }
}

TEST(segments_outside_user_space_are_refused)
{
    const char *below = "PT_LOAD segment 0: starts below user space (p_vaddr < USER_BASE, "
                        "0x400000)";
    const char *past = "PT_LOAD segment 3: runs past the end of user space (p_vaddr + p_memsz "
                       "> USER_END, 0x00007ffffffff000)";
    build_valid();
    put64(phdr(0) + PH_VADDR, USER_BASE - 1);
    CHECK_REFUSED(parse(), below);
    put64(phdr(0) + PH_VADDR, 0);
    CHECK_REFUSED(parse(), below);

    static const uint64_t bad[][2] = {                   /* vaddr, memsz */
        { USER_END - 0x1000, 0x1001 },                   /* one byte past */
        { USER_END, 1 },
        { 0xffff800000000000ull, 0x1000 },               /* the kernel's half */
        { UINT64_MAX - 0xfff, 0x2000 },                  /* vaddr + memsz wraps */
        { 0x403000, UINT64_MAX },                        /* memsz wraps */
        { 0x403000, USER_END - 0x403000 + 1 },
    };
    check_segment_3_refused(bad, ARRAY_SIZE(bad), past);
}

/* Regression (review): `ls` checked segments against USER_END and the loader against the
 * stack's guard page, so `ls` listed as a program a file that `run` refused, and the
 * loader's reason said "runs past the end of user space" for a segment that overlapped
 * the stack. Both ask elf_parse now, which refuses such a segment and says why. */
TEST(a_segment_in_the_user_stack_or_its_guard_page_is_refused_saying_so)
{
    const char *stack = "PT_LOAD segment 3: overlaps the user stack or its guard page "
                        "(p_vaddr + p_memsz > 0x00007ffffffee000)";
    static const uint64_t bad[][2] = {                   /* vaddr, memsz */
        { SEGMENTS_END - 0x1000, 0x1001 },               /* one byte into the guard page */
        { SEGMENTS_END, 1 },                             /* the guard page */
        { SEGMENTS_END + 0x1000, 0x1000 },               /* the stack's lowest page */
        { USER_END - 0x2000, 0x2000 },                   /* ending at USER_END */
        { 0x403000, SEGMENTS_END - 0x403000 + 1 },
    };
    check_segment_3_refused(bad, ARRAY_SIZE(bad), stack);

    build_valid();                         /* ending exactly at the guard page is fine */
    put64(phdr(3) + PH_VADDR, SEGMENTS_END - 0x2000);
    CHECK_EQ(parse(), 0);
    check_segment(3, SEGMENTS_END - 0x2000, 0x2000, 0x2080, 0x80, R | W);
}

TEST(writable_and_executable_segment_is_refused)
{
    for (size_t n = 0; n < ELF_MAX_SEGMENTS; n++) {
        char reason[128];
        snprintf(reason, sizeof(reason), "PT_LOAD segment %zu: both writable and "
                 "executable (W^X)", n);
        build_segments(ELF_MAX_SEGMENTS);
        put32(phdr(n) + PH_FLAGS, R | W | X);
        CHECK_REFUSED(parse(), reason);
        put32(phdr(n) + PH_FLAGS, W | X);
        CHECK_REFUSED(parse(), reason);
    }
}

TEST(segment_numbers_count_only_load_headers)
{
    elf_start(0x2000, USER_BASE);
    elf_phdr(PT_NOTE, R, 0, 0, 0, 0);
    elf_phdr(PT_GNU_STACK, R | W | X, 0, 0, 0, 0);   /* ignored, even if W+X */
    elf_phdr(PT_LOAD, R | X, 0x1000, USER_BASE, 0x10, 0x10);
    elf_phdr(0x6474e552, R, 0, 0, 0, 0);             /* PT_GNU_RELRO */
    elf_phdr(PT_LOAD, R | W | X, 0x1010, USER_BASE + 0x1000, 0x10, 0x10);
    CHECK_REFUSED(parse(), "PT_LOAD segment 1: both writable and executable (W^X)");
}

TEST(segments_sharing_a_page_are_refused)
{
    const char *shares = "PT_LOAD segment 2: shares a 4 KiB page with an earlier PT_LOAD "
                         "segment";
    static const uint64_t bad[][2] = {                   /* segment 2: vaddr, memsz */
        { 0x401100, 0x80 },               /* right after segment 1, in its page */
        { 0x401fff, 0x80 },               /* starts in segment 1's last page */
        { 0x400f00, 0x80 },               /* ends in segment 1's first page */
        { 0x401000, 0x100 },              /* the same range */
        { 0x400000, 0x3000 },             /* covers segments 0 and 1 */
        { 0x402000, 0x1011 },             /* reaches segment 3's first page */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        build_valid();
        put64(phdr(2) + PH_VADDR, bad[i][0]);
        put64(phdr(2) + PH_MEMSZ, bad[i][1]);
        put64(phdr(2) + PH_FILESZ, 0x80);
        CHECK_REFUSED(parse(), i < 5 ? shares
                      : "PT_LOAD segment 3: shares a 4 KiB page with an earlier PT_LOAD "
                        "segment");
    }
    /* Same flags do not help: one page is filled from one segment. */
    build_valid();
    put32(phdr(2) + PH_FLAGS, R | X);
    put64(phdr(2) + PH_VADDR, 0x401800);
    CHECK_REFUSED(parse(), shares);
    /* Out of order is fine; touching page boundaries is fine. */
    build_valid();
    put64(phdr(2) + PH_VADDR, 0x405010);  /* segment 3 ends at 0x405010, in page 0x405 */
    CHECK_REFUSED(parse(), "PT_LOAD segment 3: shares a 4 KiB page with an earlier PT_LOAD "
                  "segment");
    put64(phdr(2) + PH_VADDR, 0x406000);
    CHECK_EQ(parse(), 0);
    put64(phdr(2) + PH_VADDR, 0x402f80);  /* ends at 0x403000 exactly */
    CHECK_EQ(parse(), 0);
}

TEST(entry_point_must_be_in_an_executable_segment)
{
#define outside "entry point (e_entry) is not inside any PT_LOAD segment"
#define not_exec "entry point is in a PT_LOAD segment that is not executable"
    static const struct { uint64_t entry; const char *reason; } cases[] = {
        { 0x401000, NULL },
        { 0x4010ff, NULL },               /* segment 1's last byte */
        { 0x401100, outside },            /* one past it, same page */
        { 0x400fff, outside },
        { 0x400000, not_exec },
        { 0x402040, not_exec },
        { 0x404000, not_exec },           /* segment 3's bss */
        { 0, outside },
        { UINT64_MAX, outside },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        build_valid();
        put64(file + EH_ENTRY, cases[i].entry);
        if (cases[i].reason) {
            CHECK_REFUSED(parse(), cases[i].reason);
        } else {
            CHECK_EQ(parse(), 0);
            CHECK_EQ(image.entry, cases[i].entry);
        }
    }
#undef outside
#undef not_exec
}

TEST(interpreter_is_refused_other_headers_ignored)
{
    build_valid();
    put32(phdr(5) + PH_TYPE, PT_INTERP);
    CHECK_REFUSED(parse(), "PT_INTERP: dynamically linked executables are not supported");

    static const uint32_t ignored[] = { PT_NULL, 2 /* PT_DYNAMIC */, PT_NOTE, 6 /* PT_PHDR */,
                                        7 /* PT_TLS */, PT_GNU_STACK, 0x6474e553, 0x70000000,
                                        0xffffffff };
    for (size_t i = 0; i < ARRAY_SIZE(ignored); i++) {
        build_valid();
        uint8_t *p = phdr(5);
        put32(p + PH_TYPE, ignored[i]);
        put32(p + PH_FLAGS, R | W | X);
        put64(p + PH_OFFSET, UINT64_MAX);
        put64(p + PH_VADDR, 0x401000);
        put64(p + PH_FILESZ, UINT64_MAX);
        put64(p + PH_MEMSZ, 1);
        CHECK_EQ(parse(), 0);
        CHECK_EQ(image.segment_count, 4);
    }
}

TEST(flags_beyond_rwx_are_dropped_alignment_ignored)
{
    build_valid();
    put32(phdr(1) + PH_FLAGS, 0xf0f00000u | R | X);     /* PF_MASKOS, PF_MASKPROC bits */
    put64(phdr(1) + PH_ALIGN, 3);                       /* not a power of two */
    put32(phdr(0) + PH_FLAGS, 0);                       /* no permission at all */
    CHECK_EQ(parse(), 0);
    CHECK_EQ(image.segments[1].flags, R | X);
    CHECK_EQ(image.segments[0].flags, 0);
}

/* ---- robustness: an independent statement of what success promises ---- */
static void check_promises(size_t size)
{
    CHECK(image.segment_count >= 1 && image.segment_count <= ELF_MAX_SEGMENTS);
    bool entry_ok = false;
    for (size_t i = 0; i < image.segment_count; i++) {
        const struct elf_segment *s = &image.segments[i];
        CHECK(s->memsz > 0 && s->filesz <= s->memsz);
        CHECK(s->filesz == 0 || (s->offset <= size && s->filesz <= size - s->offset));
        CHECK(s->vaddr >= USER_BASE && s->vaddr < SEGMENTS_END &&
              s->memsz <= SEGMENTS_END - s->vaddr);
        CHECK(!((s->flags & W) && (s->flags & X)));
        CHECK((s->flags & ~(uint32_t)(R | W | X)) == 0);
        for (size_t j = 0; j < i; j++) {
            const struct elf_segment *t = &image.segments[j];
            uint64_t s_first = s->vaddr / 4096, s_last = (s->vaddr + s->memsz - 1) / 4096;
            uint64_t t_first = t->vaddr / 4096, t_last = (t->vaddr + t->memsz - 1) / 4096;
            CHECK(s_last < t_first || t_last < s_first);
        }
        if ((s->flags & X) && image.entry >= s->vaddr && image.entry - s->vaddr < s->memsz)
            entry_ok = true;
    }
    CHECK(entry_ok);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;     /* fixed seed: failures reproduce */
static uint64_t rng(void)
{
    return unit_rng(&rng_state);
}

TEST(every_truncation_is_refused_cleanly)
{
    build_valid();
    for (size_t len = 0; len <= file_size; len++) {
        int rc = parse_copy(file, len);
        if (len == file_size) {
            CHECK_EQ(rc, 0);
            check_promises(len);
        } else {
            CHECK_EQ(rc, -ENOEXEC);        /* the last segment ends at the last byte */
            CHECK(error != NULL && error[0] != '\0');
        }
    }
}

TEST(random_corruption_never_crashes)
{
    build_valid();
    uint8_t good[0x2100];
    memcpy(good, file, sizeof(good));
    size_t accepted = 0, refused = 0;
    for (int iteration = 0; iteration < 5000; iteration++) {
        memcpy(file, good, sizeof(good));
        for (int n = 1 + (int)(rng() % 4); n > 0; n--) {
            /* Mostly the headers (the first 400 bytes), where every field matters. */
            size_t span = rng() % 8 ? 400 : sizeof(good) - 8;
            size_t at = rng() % span;
            switch (rng() % 4) {
            case 0: file[at] = (uint8_t)rng(); break;
            case 1: file[at] ^= (uint8_t)(1u << (rng() % 8)); break;
            case 2: put64(file + at, rng() % 0x10000); break;
            default: put64(file + at, rng()); break;
            }
        }
        size_t len = rng() % 8 ? sizeof(good) : rng() % sizeof(good);
        int rc = parse_copy(file, len);
        if (rc == 0) {
            check_promises(len);
            accepted++;
        } else {
            CHECK_EQ(rc, -ENOEXEC);
            CHECK(error != NULL && error[0] != '\0');
            refused++;
        }
    }
    CHECK(accepted > 100 && refused > 100);        /* both paths were exercised */
}

/* ---- a real executable: the host gcc links a tiny static program (no libc) ---- */
static uint8_t *link_program(const char *dir, const char *flags, size_t *size)
{
    char command[512];
    snprintf(command, sizeof(command),
             "cd %s && printf '%%s\\n' 'int counter = 5; char buffer[8192];'"
             " 'const char message[] = \"hello\";'"
             " 'void _start(void) { for (;;) buffer[counter++ & 8191] = message[0]; }'"
             " > program.c && gcc -O1 -nostdlib -fno-asynchronous-unwind-tables %s"
             " -o program program.c 2>&1", dir, flags);
    if (system(command) != 0)
        UNIT_FAIL("could not link a test program: %s", command);
    char path[256];
    snprintf(path, sizeof(path), "%s/program", dir);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    uint8_t *bytes = malloc(1 << 20);
    *size = fread(bytes, 1, 1 << 20, f);
    fclose(f);
    CHECK(*size > 64 && *size < (1 << 20));
    return bytes;
}

TEST(real_static_executable_is_accepted)
{
    char dir[] = "/tmp/test_elf.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    size_t size;
    uint8_t *program = link_program(dir, "-static -no-pie -fno-pie", &size);
    int rc = parse_copy(program, size);
    if (rc != 0)
        UNIT_FAIL("gcc's static executable refused: %s", error);
    check_promises(size);
    CHECK(image.segment_count >= 2);      /* at least the code and the data */
    bool writable = false;
    for (size_t i = 0; i < image.segment_count; i++)
        writable |= (image.segments[i].flags & W) != 0;
    CHECK(writable);
    free(program);

    program = link_program(dir, "-static-pie -fpie", &size);
    CHECK_REFUSED(parse_copy(program, size),
                  "ET_DYN: position-independent executables are not supported");
    free(program);
    char command[300];
    snprintf(command, sizeof(command), "rm -rf %s", dir);
    CHECK_EQ(system(command), 0);
}
