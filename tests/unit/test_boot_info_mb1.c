/*
 * test_boot_info_mb1.c - host tests of the multiboot v1 side of kernel/boot/boot_info.c
 * (what QEMU's -kernel loader passes). Source of truth: the Multiboot Specification
 * 0.6.96 section 3.3, as transcribed in kernel/boot/multiboot.h. Reads go through the
 * exact-size fake memory of boot_info_fixture.h.
 */
#include "boot_info_fixture.h"

/* ---- multiboot v1: the information structure and what it points to ---- */
#define MB1_CMDLINE  (RAM_BASE + 0x2000)
#define MB1_LOADER   (RAM_BASE + 0x2400)
#define MB1_MODNAME  (RAM_BASE + 0x2800)
#define MB1_MMAP     (RAM_BASE + 0x3000)
#define MB1_MODS     (RAM_BASE + 0x4000)

static void place_string(uint64_t phys, const char *text)
{
    place(phys, text, strlen(text) + 1);
}

/* One mmap entry at `phys` whose size field is `size`; returns the next entry's address. */
static uint64_t mb1_mmap_entry(uint64_t phys, uint32_t size, uint64_t base, uint64_t length,
                               uint32_t type)
{
    struct mb1_mmap_entry e = { .size = size, .base = base, .length = length, .type = type };
    place(phys, &e, sizeof(e));
    return phys + 4 + size;
}

/* QEMU-like information: every field we read, three mmap entries (the middle one with
 * 4 extra bytes: 24 + 28 + 24 = 76), two modules (the second nameless). */
static struct mb1_info build_valid_mb1(void)
{
    memset(ram, 0, sizeof(ram));
    place_string(MB1_CMDLINE, "console=ttyS0 ktest");
    place_string(MB1_LOADER, "qemu");
    place_string(MB1_MODNAME, "mod0 arg");
    uint64_t e = mb1_mmap_entry(MB1_MMAP, 20, 0x0, 0x9fc00, 1);
    e = mb1_mmap_entry(e, 24, 0x9fc00, 0x400, 2);
    e = mb1_mmap_entry(e, 20, 0x100000, 0x7ee0000, 1);
    struct mb1_module mods[2] = {
        { .start = 0x200000, .end = 0x201000, .string = MB1_MODNAME },
        { .start = 0x300000, .end = 0x300000, .string = 0 },
    };
    place(MB1_MODS, mods, sizeof(mods));
    struct mb1_info mi = {
        .flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODULES | MB1_INFO_ELF |
                 MB1_INFO_MMAP | MB1_INFO_LOADER,
        .mem_lower = 639, .mem_upper = 130048,
        .cmdline = MB1_CMDLINE, .boot_loader_name = MB1_LOADER,
        .mods_count = 2, .mods_addr = MB1_MODS,
        .elf_num = 5, .elf_size = 64, .elf_addr = 0x150000, .elf_shndx = 4,
        .mmap_length = (uint32_t)(e - MB1_MMAP), .mmap_addr = MB1_MMAP,
    };
    place(INFO_PHYS, &mi, sizeof(mi));
    return mi;
}

static int parse_mb1(const struct mb1_info *mi)
{
    place(INFO_PHYS, mi, sizeof(*mi));
    return parse(MB1_BOOTLOADER_MAGIC, INFO_PHYS);
}

TEST(mb1_well_formed_parses_every_field)
{
    struct mb1_info mi = build_valid_mb1();
    CHECK_EQ(mi.mmap_length, 76);
    CHECK_EQ(parse(MB1_BOOTLOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(info.protocol, BOOT_PROTOCOL_MULTIBOOT1);
    CHECK_STR(boot_protocol_name(info.protocol), "multiboot1");
    CHECK_EQ(info.info_phys, INFO_PHYS);
    CHECK_EQ(info.info_size, 68);
    CHECK_STR(info.cmdline, "console=ttyS0 ktest");
    CHECK_STR(info.loader_name, "qemu");
    CHECK_EQ(info.mem_lower_kib, 639);
    CHECK_EQ(info.mem_upper_kib, 130048);
    CHECK_EQ(info.mmap_count, 3);
    CHECK_EQ(info.mmap[1].base, 0x9fc00);
    CHECK_EQ(info.mmap[1].length, 0x400);
    CHECK_EQ(info.mmap[1].type, BOOT_MEMORY_RESERVED);
    CHECK_EQ(info.mmap[2].base, 0x100000);
    CHECK_EQ(info.mmap[2].length, 0x7ee0000);
    CHECK_EQ(info.mmap[2].type, BOOT_MEMORY_AVAILABLE);
    CHECK_EQ(info.module_count, 2);
    CHECK_EQ(info.modules[0].start, 0x200000);
    CHECK_EQ(info.modules[0].end, 0x201000);
    CHECK_STR(info.modules[0].name, "mod0 arg");
    CHECK_EQ(info.modules[1].start, 0x300000);
    CHECK_STR(info.modules[1].name, "");
    CHECK_EQ(info.elf_sections.addr, 0x150000);
    CHECK_EQ(info.elf_sections.count, 5);
    CHECK_EQ(info.elf_sections.entry_size, 64);
    CHECK_EQ(info.elf_sections.string_index, 4);
    CHECK(!info.truncated);
    CHECK_EQ(boot_info_available_bytes(&info), 0x9fc00 + 0x7ee0000);
}

TEST(mb1_flags_select_the_fields_read)
{
    struct mb1_info mi = build_valid_mb1();
    mi.flags = 0;                                   /* every pointer is now garbage */
    mi.cmdline = mi.boot_loader_name = mi.mods_addr = mi.mmap_addr = 0xdead0000;
    CHECK_EQ(parse_mb1(&mi), 0);
    CHECK_STR(info.cmdline, "");
    CHECK_EQ(info.mem_upper_kib, 0);
    CHECK_EQ(info.mmap_count + info.module_count + info.elf_sections.count, 0);
}

TEST(mb1_unreadable_pointers_are_refused)
{
    CHECK_REFUSED(parse(MB1_BOOTLOADER_MAGIC, 0x1000), "information structure is not readable");
    CHECK_REFUSED(parse(MB1_BOOTLOADER_MAGIC, RAM_BASE + RAM_SIZE - 60),
                  "information structure is not readable");
    struct mb1_info mi = build_valid_mb1();
    mi.cmdline = 0x900000;
    CHECK_REFUSED(parse_mb1(&mi), "command line is not readable");
    mi.cmdline = RAM_BASE + RAM_SIZE - 3;           /* "ccc" and then the end of RAM */
    place(mi.cmdline, "ccc", 3);
    CHECK_REFUSED(parse_mb1(&mi), "command line is not readable");

    mi = build_valid_mb1();
    mi.boot_loader_name = 0xffffffff;
    CHECK_REFUSED(parse_mb1(&mi), "boot loader name is not readable");
    mi = build_valid_mb1();
    mi.mmap_addr = RAM_BASE + RAM_SIZE - 40;        /* 76 bytes do not fit */
    CHECK_REFUSED(parse_mb1(&mi), "memory map is not readable");
    mi = build_valid_mb1();
    mi.mods_addr = 0x20;
    CHECK_REFUSED(parse_mb1(&mi), "module list is not readable");
    mi = build_valid_mb1();
    mi.mods_count = 0x10000000;                     /* 4 GiB of module entries */
    CHECK_REFUSED(parse_mb1(&mi), "absurd module count");
    mi = build_valid_mb1();
    struct mb1_module bad_name = { 0x200000, 0x201000, 0x900000, 0 };
    place(MB1_MODS, &bad_name, sizeof(bad_name));
    CHECK_REFUSED(parse_mb1(&mi), "module name is not readable");
}

TEST(mb1_malformed_lists_are_refused)
{
    struct mb1_info mi = build_valid_mb1();
    mb1_mmap_entry(MB1_MMAP, 16, 0, 0x1000, 1);     /* size must be >= 20 */
    CHECK_REFUSED(parse_mb1(&mi), "entry too small");

    mi = build_valid_mb1();
    mi.mmap_length = 24;                            /* one entry claiming 40 + 4 bytes */
    mb1_mmap_entry(MB1_MMAP, 40, 0, 0x1000, 1);
    CHECK_REFUSED(parse_mb1(&mi), "runs past the map");

    mi = build_valid_mb1();
    mi.mmap_length = 24 + 6;                        /* the second entry is cut off */
    CHECK_REFUSED(parse_mb1(&mi), "entry truncated");

    mi = build_valid_mb1();
    struct mb1_module backwards = { 0x201000, 0x200fff, 0, 0 };
    place(MB1_MODS + sizeof(struct mb1_module), &backwards, sizeof(backwards));
    CHECK_REFUSED(parse_mb1(&mi), "ends before it starts");
}

TEST(mb1_long_strings_are_truncated)
{
    char line[BOOT_CMDLINE_MAX + 44];
    memset(line, 'k', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    struct mb1_info mi = build_valid_mb1();
    place_string(MB1_CMDLINE, line);
    CHECK_EQ(parse_mb1(&mi), 0);
    CHECK(info.truncated);
    CHECK_EQ(strlen(info.cmdline), BOOT_CMDLINE_MAX - 1);
    CHECK_STR(info.loader_name, "qemu");

    line[BOOT_CMDLINE_MAX - 1] = '\0';             /* 255 characters: fits exactly */
    place_string(MB1_CMDLINE, line);
    CHECK_EQ(parse_mb1(&mi), 0);
    CHECK(!info.truncated);
    CHECK_STR(info.cmdline, line);

    line[BOOT_LOADER_MAX + 3] = '\0';
    place_string(MB1_LOADER, line);
    CHECK_EQ(parse_mb1(&mi), 0);
    CHECK(info.truncated);
    CHECK_EQ(strlen(info.loader_name), BOOT_LOADER_MAX - 1);
}

/* QEMU passes -initrd's "PATH NAME": in a deep checkout the string outgrows the name
 * field, which keeps its end, so the module is still found by its last word. */
TEST(mb1_long_module_string_keeps_its_name)
{
    char text[BOOT_MODULE_NAME_MAX + 40];
    memset(text, 'p', sizeof(text) - 1);
    memcpy(text + sizeof(text) - 1 - strlen("/initrd.tar initrd"), "/initrd.tar initrd", strlen("/initrd.tar initrd"));
    struct mb1_info mi = build_valid_mb1();
    place_string(MB1_MODNAME, text);
    CHECK_EQ(parse_mb1(&mi), 0);
    CHECK(info.truncated);
    CHECK_STR(info.modules[0].name, text + 40);
    CHECK(boot_info_module(&info, "initrd") == &info.modules[0]);
}

/* A command line with no NUL before the end of readable memory is refused when it is
 * 3 characters long (above), but one of exactly BOOT_CMDLINE_MAX - 1 characters is
 * accepted as complete: copy_phys_string's look-ahead for the terminator treats an
 * unreadable byte like a NUL. It must be refused, or at least flagged as truncated. */
TEST(mb1_unterminated_cmdline_at_end_of_memory_is_not_accepted_as_complete)
{
    char line[BOOT_CMDLINE_MAX - 1];
    memset(line, 'e', sizeof(line));
    struct mb1_info mi = build_valid_mb1();
    for (size_t len = BOOT_CMDLINE_MAX - 3; len <= BOOT_CMDLINE_MAX - 1; len++) {
        mi.cmdline = (uint32_t)(RAM_BASE + RAM_SIZE - len);   /* no NUL before the end */
        place(mi.cmdline, line, len);
        int rc = parse_mb1(&mi);
        if (rc == 0 && !info.truncated)
            UNIT_FAIL("a %zu-character command line without a NUL before unreadable memory "
                      "was accepted as complete", len);
    }
}


TEST(mb1_random_corruption_never_crashes)
{
    size_t accepted = 0, refused = 0;
    for (int iteration = 0; iteration < 3000; iteration++) {
        build_valid_mb1();
        for (int n = 1 + (int)(rng() % 3); n > 0; n--) {
            switch (rng() % 3) {
            case 0: corrupt(ram + (INFO_PHYS - RAM_BASE), sizeof(struct mb1_info)); break;
            case 1: corrupt(ram + (MB1_MMAP - RAM_BASE), 76); break;
            default: corrupt(ram + (MB1_MODS - RAM_BASE), 2 * sizeof(struct mb1_module));
            }
        }
        check_outcome(parse(MB1_BOOTLOADER_MAGIC, INFO_PHYS), &accepted, &refused);
    }
    CHECK(accepted > 100 && refused > 100);
}
