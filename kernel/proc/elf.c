/*
 * elf.c - the ELF64 executable validator behind elf.h. Called by the program loader (and
 * by tests/unit/test_elf.c with hostile files). Key invariant: every byte read is inside
 * [file, file + size), and every sum of two file-controlled 64-bit values is compared by
 * subtraction first, so no header can make it read out of bounds or wrap around.
 * Follows the ELF-64 Object File Format, version 1.5 (sections 3-4, 6) and the System V
 * ABI generic chapters 4-5 (gABI); x86_64 values from the System V ABI AMD64 supplement.
 * Fields are read byte by byte (little-endian), so `file` may have any alignment.
 */
#include "elf.h"
#include "errno.h"
#include "layout.h"

#define ELF_PAGE_SHIFT 12                 /* segments may not share a 4 KiB page */

STATIC_ASSERT(USER_SEGMENTS_END == USER_STACK_TOP - USER_STACK_SIZE - PAGE_SIZE,
              "segments end where the user stack's guard page starts");
STATIC_ASSERT(USER_STACK_TOP == USER_END, "the user stack is at the top of user space");
#define STRINGIFY(x) #x
#define VALUE(macro) STRINGIFY(macro)     /* a layout.h number, as it is written there */

/* ELF-64 Object File Format 1.5, section 3 (Figure 2): Elf64_Ehdr. */
struct elf64_header {
    uint8_t  e_ident[16];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};
ASSERT_SIZE(struct elf64_header, 64);
ASSERT_OFFSET(struct elf64_header, e_type, 16);
ASSERT_OFFSET(struct elf64_header, e_machine, 18);
ASSERT_OFFSET(struct elf64_header, e_version, 20);
ASSERT_OFFSET(struct elf64_header, e_entry, 24);
ASSERT_OFFSET(struct elf64_header, e_phoff, 32);
ASSERT_OFFSET(struct elf64_header, e_phentsize, 54);
ASSERT_OFFSET(struct elf64_header, e_phnum, 56);

/* e_ident indexes and values (section 3, Tables 2-4). */
enum {
    EI_MAG0 = 0, EI_MAG1 = 1, EI_MAG2 = 2, EI_MAG3 = 3,
    EI_CLASS = 4,                         /* ELFCLASS32 1, ELFCLASS64 2 */
    EI_DATA = 5,                          /* ELFDATA2LSB 1, ELFDATA2MSB 2 */
    EI_VERSION = 6,                       /* EV_CURRENT 1 */
};
#define ELFCLASS32  1
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2
#define EV_CURRENT  1

/* e_type (Table 5) and e_machine (gABI 4.1; AMD64 supplement 4.1.1). */
#define ET_NONE 0
#define ET_REL  1
#define ET_EXEC 2
#define ET_DYN  3
#define ET_CORE 4
#define EM_X86_64 62

/* ELF-64 Object File Format 1.5, section 6 (Figure 7): Elf64_Phdr. */
struct elf64_program_header {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};
ASSERT_SIZE(struct elf64_program_header, 56);
ASSERT_OFFSET(struct elf64_program_header, p_flags, 4);
ASSERT_OFFSET(struct elf64_program_header, p_offset, 8);
ASSERT_OFFSET(struct elf64_program_header, p_vaddr, 16);
ASSERT_OFFSET(struct elf64_program_header, p_filesz, 32);
ASSERT_OFFSET(struct elf64_program_header, p_memsz, 40);

/* p_type (Table 16) and p_flags (Table 17). */
#define PT_LOAD   1
#define PT_INTERP 3
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define PN_XNUM 0xffff                    /* gABI: the real e_phnum is in section 0 */

STATIC_ASSERT(ELF_SEGMENT_READ == PF_R && ELF_SEGMENT_WRITE == PF_W &&
              ELF_SEGMENT_EXEC == PF_X, "elf.h's segment flags are ELF's p_flags");

/* The reasons are static strings, so each per-segment reason is spelled out once per
 * segment number: the loader prints "PT_LOAD segment 2: ..." without formatting. */
enum segment_problem {
    FILESZ_OVER_MEMSZ,
    BYTES_OUTSIDE_FILE,
    BELOW_USER_BASE,
    PAST_USER_END,
    INTO_USER_STACK,
    WRITE_AND_EXEC,
    SHARES_A_PAGE,
    SEGMENT_PROBLEMS
};
#define PER_SEGMENT(why) {                                                          \
    "PT_LOAD segment 0: " why, "PT_LOAD segment 1: " why, "PT_LOAD segment 2: " why, \
    "PT_LOAD segment 3: " why, "PT_LOAD segment 4: " why, "PT_LOAD segment 5: " why, \
    "PT_LOAD segment 6: " why, "PT_LOAD segment 7: " why }
STATIC_ASSERT(ELF_MAX_SEGMENTS == 8, "PER_SEGMENT spells out one reason per segment");

static const char *const segment_reason[SEGMENT_PROBLEMS][ELF_MAX_SEGMENTS] = {
    [FILESZ_OVER_MEMSZ]  = PER_SEGMENT("p_filesz is larger than p_memsz"),
    [BYTES_OUTSIDE_FILE] =
        PER_SEGMENT("file bytes (p_offset + p_filesz) run past the end of the file"),
    [BELOW_USER_BASE]    =
        PER_SEGMENT("starts below user space (p_vaddr < USER_BASE, " VALUE(USER_BASE) ")"),
    [PAST_USER_END]      = PER_SEGMENT("runs past the end of user space (p_vaddr + p_memsz "
                                       "> USER_END, " VALUE(USER_END) ")"),
    [INTO_USER_STACK]    = PER_SEGMENT("overlaps the user stack or its guard page (p_vaddr + "
                                       "p_memsz > " VALUE(USER_SEGMENTS_END) ")"),
    [WRITE_AND_EXEC]     = PER_SEGMENT("both writable and executable (W^X)"),
    [SHARES_A_PAGE]      = PER_SEGMENT("shares a 4 KiB page with an earlier PT_LOAD segment"),
};

#define FAIL(why) do { *error = (why); return -ENOEXEC; } while (0)

static uint16_t read16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t read32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t read64(const uint8_t *p)
{
    return read32(p) | (uint64_t)read32(p + 4) << 32;
}

#define HEADER16(h, field) read16((h) + offsetof(struct elf64_header, field))
#define HEADER32(h, field) read32((h) + offsetof(struct elf64_header, field))
#define HEADER64(h, field) read64((h) + offsetof(struct elf64_header, field))
#define PROGRAM32(p, field) read32((p) + offsetof(struct elf64_program_header, field))
#define PROGRAM64(p, field) read64((p) + offsetof(struct elf64_program_header, field))

static const char *type_reason(uint16_t type)
{
    switch (type) {
    case ET_NONE: return "ET_NONE: not an executable (no file type)";
    case ET_REL:  return "ET_REL: a relocatable object file, not a linked executable";
    case ET_DYN:  return "ET_DYN: position-independent executables are not supported";
    case ET_CORE: return "ET_CORE: a core dump, not an executable";
    default:      return "not an executable (unknown e_type)";
    }
}

static const char *machine_reason(uint16_t machine)
{
    switch (machine) {
    case 0:   return "not x86_64 (machine 0, EM_NONE)";
    case 3:   return "not x86_64 (machine 3, EM_386)";
    case 40:  return "not x86_64 (machine 40, EM_ARM)";
    case 183: return "not x86_64 (machine 183, EM_AARCH64)";
    case 243: return "not x86_64 (machine 243, EM_RISCV)";
    default:  return "not x86_64 (e_machine is not 62, EM_X86_64)";
    }
}

/* The identification bytes and the fixed header fields. */
static int check_header(const uint8_t *h, const char **error)
{
    if (h[EI_MAG0] != 0x7f || h[EI_MAG1] != 'E' || h[EI_MAG2] != 'L' || h[EI_MAG3] != 'F')
        FAIL("bad magic (not an ELF file)");
    if (h[EI_CLASS] != ELFCLASS64)
        FAIL(h[EI_CLASS] == ELFCLASS32 ? "not ELFCLASS64 (a 32-bit ELF file)"
                                       : "not ELFCLASS64 (invalid EI_CLASS)");
    if (h[EI_DATA] != ELFDATA2LSB)
        FAIL(h[EI_DATA] == ELFDATA2MSB ? "not little-endian (ELFDATA2MSB)"
                                       : "not little-endian (invalid EI_DATA)");
    if (h[EI_VERSION] != EV_CURRENT)
        FAIL("EI_VERSION is not 1 (EV_CURRENT)");
    if (HEADER32(h, e_version) != EV_CURRENT)
        FAIL("e_version is not 1 (EV_CURRENT)");
    if (HEADER16(h, e_type) != ET_EXEC)
        FAIL(type_reason(HEADER16(h, e_type)));
    if (HEADER16(h, e_machine) != EM_X86_64)
        FAIL(machine_reason(HEADER16(h, e_machine)));
    if (HEADER16(h, e_phentsize) != sizeof(struct elf64_program_header))
        FAIL("e_phentsize is not 56 (the size of an Elf64_Phdr)");
    if (HEADER16(h, e_phnum) == PN_XNUM)
        FAIL("e_phnum is PN_XNUM: extended program header numbering is not supported");
    return 0;
}

/* First page number and last page number (inclusive) of a non-empty segment whose end
 * does not wrap: inclusive bounds need no ALIGN_UP, which could overflow at 2^64. */
static uint64_t first_page(const struct elf_segment *s)
{
    return s->vaddr >> ELF_PAGE_SHIFT;
}

static uint64_t last_page(const struct elf_segment *s)
{
    return (s->vaddr + s->memsz - 1) >> ELF_PAGE_SHIFT;
}

/* Check PT_LOAD header number `n` (at `p`) and append it to `out` unless it is empty. */
static int add_segment(const uint8_t *p, size_t n, size_t size, struct elf_image *out,
                       const char **error)
{
    struct elf_segment s = {
        .vaddr = PROGRAM64(p, p_vaddr),
        .memsz = PROGRAM64(p, p_memsz),
        .offset = PROGRAM64(p, p_offset),
        .filesz = PROGRAM64(p, p_filesz),
        .flags = PROGRAM32(p, p_flags) & (PF_R | PF_W | PF_X),
    };
    if (s.filesz > s.memsz)
        FAIL(segment_reason[FILESZ_OVER_MEMSZ][n]);
    if (s.memsz == 0)
        return 0;                         /* maps nothing: skipped (and filesz is 0) */
    if (s.filesz && (s.offset > size || s.filesz > size - s.offset))
        FAIL(segment_reason[BYTES_OUTSIDE_FILE][n]);
    if (s.vaddr < USER_BASE)
        FAIL(segment_reason[BELOW_USER_BASE][n]);
    if (s.vaddr >= USER_END || s.memsz > USER_END - s.vaddr)
        FAIL(segment_reason[PAST_USER_END][n]);
    if (s.vaddr >= USER_SEGMENTS_END || s.memsz > USER_SEGMENTS_END - s.vaddr)
        FAIL(segment_reason[INTO_USER_STACK][n]);
    if ((s.flags & PF_W) && (s.flags & PF_X))
        FAIL(segment_reason[WRITE_AND_EXEC][n]);
    /* One page can have only one set of permissions, and the loader fills each page
     * from one segment, so segments may not even share a page (whatever their flags). */
    for (size_t i = 0; i < out->segment_count; i++) {
        const struct elf_segment *other = &out->segments[i];
        if (first_page(&s) <= last_page(other) && first_page(other) <= last_page(&s))
            FAIL(segment_reason[SHARES_A_PAGE][n]);
    }
    out->segments[out->segment_count++] = s;
    return 0;
}

int elf_parse(const void *file, size_t size, struct elf_image *out, const char **error)
{
    const uint8_t *bytes = file;
    out->entry = 0;
    out->segment_count = 0;
    if (size < sizeof(struct elf64_header))
        FAIL("file shorter than the 64-byte ELF header");
    int err = check_header(bytes, error);
    if (err)
        return err;

    uint64_t phoff = HEADER64(bytes, e_phoff);
    size_t phnum = HEADER16(bytes, e_phnum);
    if (phoff > size)
        FAIL("program header table starts past the end of the file (e_phoff)");
    if (phnum * sizeof(struct elf64_program_header) > size - phoff)
        FAIL("program header table runs past the end of the file (e_phoff + e_phnum * 56)");
    const uint8_t *table = bytes + phoff;

    /* First pass: how many PT_LOAD headers, so that no reason needs a number above 7. */
    size_t loads = 0;
    for (size_t i = 0; i < phnum; i++) {
        uint32_t type = PROGRAM32(table + i * sizeof(struct elf64_program_header), p_type);
        if (type == PT_INTERP)
            FAIL("PT_INTERP: dynamically linked executables are not supported");
        loads += type == PT_LOAD;
    }
    if (loads == 0)
        FAIL("no PT_LOAD segment");
    if (loads > ELF_MAX_SEGMENTS)
        FAIL("more than 8 PT_LOAD segments (ELF_MAX_SEGMENTS)");

    size_t n = 0;
    for (size_t i = 0; i < phnum; i++) {
        const uint8_t *p = table + i * sizeof(struct elf64_program_header);
        if (PROGRAM32(p, p_type) != PT_LOAD)
            continue;
        err = add_segment(p, n++, size, out, error);
        if (err)
            return err;
    }
    if (out->segment_count == 0)
        FAIL("no PT_LOAD segment with a non-zero p_memsz");

    /* Segments do not overlap, so at most one contains the entry point. */
    uint64_t entry = HEADER64(bytes, e_entry);
    for (size_t i = 0; i < out->segment_count; i++) {
        const struct elf_segment *s = &out->segments[i];
        if (entry < s->vaddr || entry - s->vaddr >= s->memsz)
            continue;
        if (!(s->flags & PF_X))
            FAIL("entry point is in a PT_LOAD segment that is not executable");
        out->entry = entry;
        return 0;
    }
    FAIL("entry point (e_entry) is not inside any PT_LOAD segment");
}
