/*
 * test_boot_info_mb2.c - host tests of the multiboot2 side of kernel/boot/boot_info.c
 * (what GRUB passes), wrong magic, and the boot_info helpers. Source of truth: the
 * Multiboot2 Specification 2.0 section 3.6 (GRUB's multiboot2.h for the ELF-sections
 * tag), as transcribed in kernel/boot/multiboot.h. Reads go through the exact-size fake
 * memory of boot_info_fixture.h.
 */
#include "boot_info_fixture.h"

/* ---- multiboot2 builder: tags appended to `blob`, each padded to 8 bytes ---- */
static uint8_t blob[8192];
static size_t blob_len;


static void mb2_start(void)
{
    memset(blob, 0, sizeof(blob));
    blob_len = sizeof(struct mb2_info_header);
}

/* Append a tag with `len` bytes of body; returns the tag's offset in the blob. */
static size_t mb2_tag(uint32_t type, const void *body, size_t len)
{
    size_t at = blob_len;
    put32(blob + at, type);
    put32(blob + at + 4, (uint32_t)(8 + len));
    if (len)
        memcpy(blob + at + 8, body, len);
    blob_len = ALIGN_UP(at + 8 + len, 8);
    return at;
}

static size_t mb2_string(uint32_t type, const char *text)
{
    return mb2_tag(type, text, strlen(text) + 1);
}

static size_t mb2_meminfo(uint32_t lower, uint32_t upper)
{
    uint32_t body[2] = { lower, upper };
    return mb2_tag(MB2_TAG_BASIC_MEMINFO, body, sizeof(body));
}

/* `count` entries of {base, length, type}, each stored in `entry_size` bytes. */
static size_t mb2_mmap(uint32_t entry_size, const uint64_t (*entries)[3], size_t count)
{
    uint8_t body[8 + 128 * 40] = { 0 };
    put32(body, entry_size);
    for (size_t i = 0; i < count; i++) {
        uint8_t *e = body + 8 + i * entry_size;
        put64(e, entries[i][0]);
        put64(e + 8, entries[i][1]);
        put32(e + 16, (uint32_t)entries[i][2]);
    }
    return mb2_tag(MB2_TAG_MMAP, body, 8 + count * entry_size);
}

static size_t mb2_module(uint32_t start, uint32_t end, const char *name)
{
    uint8_t body[8 + 128];
    put32(body, start);
    put32(body + 4, end);
    memcpy(body + 8, name, strlen(name) + 1);
    return mb2_tag(MB2_TAG_MODULE, body, 8 + strlen(name) + 1);
}

/* ELF sections: num/entsize/shndx, then `headers` bytes of section headers. */
static size_t mb2_elf(uint32_t num, uint32_t entsize, uint32_t shndx, size_t headers)
{
    uint8_t body[12 + 512];
    put32(body, num);
    put32(body + 4, entsize);
    put32(body + 8, shndx);
    for (size_t i = 0; i < headers; i++)
        body[12 + i] = (uint8_t)i;
    return mb2_tag(MB2_TAG_ELF_SECTIONS, body, 12 + headers);
}

/* Close the list with the end tag, set total_size, and copy the blob to `phys`. */
static void mb2_finish_at(uint64_t phys)
{
    mb2_tag(MB2_TAG_END, NULL, 0);
    put32(blob, (uint32_t)blob_len);
    place(phys, blob, blob_len);
}

static const uint64_t pc_mmap[4][3] = {
    { 0x0, 0x9fc00, BOOT_MEMORY_AVAILABLE },
    { 0x9fc00, 0x400, BOOT_MEMORY_RESERVED },
    { 0x100000, 0x7ee0000, BOOT_MEMORY_AVAILABLE },
    { 0x7fe0000, 0x20000, BOOT_MEMORY_ACPI_RECLAIMABLE },
};

/*
 * The well-formed structure GRUB would write, offsets worked out by hand:
 *   0   header (8)
 *   8   cmdline "ktest verbose": 8 + 14 = 22, padded to 24
 *   32  loader "GRUB 2.06": 8 + 10 = 18 -> 24
 *   56  basic meminfo: 16
 *   72  mmap: 16 + 4 * 24 = 112
 *   184 module "initrd.img": 16 + 11 = 27 -> 32
 *   216 ELF sections: 20 + 3 * 64 = 212 -> 216; headers at 216 + 20 = 236
 *   432 end tag (8); total_size 440
 */
static size_t build_valid_mb2(void)
{
    mb2_start();
    mb2_string(MB2_TAG_CMDLINE, "ktest verbose");
    mb2_string(MB2_TAG_LOADER_NAME, "GRUB 2.06");
    mb2_meminfo(639, 130048);
    mb2_mmap(24, pc_mmap, 4);
    mb2_module(0x200000, 0x201234, "initrd.img");
    size_t elf = mb2_elf(3, 64, 2, 3 * 64);
    mb2_finish_at(INFO_PHYS);
    return elf;
}

TEST(mb2_well_formed_parses_every_field)
{
    CHECK_EQ(build_valid_mb2(), 216);
    CHECK_EQ(blob_len, 440);
    CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(info.protocol, BOOT_PROTOCOL_MULTIBOOT2);
    CHECK_STR(boot_protocol_name(info.protocol), "multiboot2");
    CHECK_EQ(info.info_phys, INFO_PHYS);
    CHECK_EQ(info.info_size, 440);
    CHECK_STR(info.cmdline, "ktest verbose");
    CHECK_STR(info.loader_name, "GRUB 2.06");
    CHECK_EQ(info.mem_lower_kib, 639);
    CHECK_EQ(info.mem_upper_kib, 130048);
    CHECK_EQ(info.mmap_count, 4);
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ(info.mmap[i].base, pc_mmap[i][0]);
        CHECK_EQ(info.mmap[i].length, pc_mmap[i][1]);
        CHECK_EQ(info.mmap[i].type, pc_mmap[i][2]);
    }
    CHECK_STR(boot_memory_type_name(info.mmap[3].type), "ACPI reclaimable");
    CHECK_EQ(info.module_count, 1);
    CHECK_EQ(info.modules[0].start, 0x200000);
    CHECK_EQ(info.modules[0].end, 0x201234);
    CHECK_STR(info.modules[0].name, "initrd.img");
    CHECK_EQ(info.elf_sections.count, 3);
    CHECK_EQ(info.elf_sections.entry_size, 64);
    CHECK_EQ(info.elf_sections.string_index, 2);
    CHECK_EQ(info.elf_sections.addr, 0x11000 + 236);
    CHECK(!info.truncated);
    CHECK_EQ(boot_info_available_bytes(&info), 0x9fc00 + 0x7ee0000);
}

TEST(mb2_unknown_tags_are_skipped)
{
    uint8_t framebuffer[24] = { 1, 2, 3 };
    mb2_start();
    mb2_tag(21, "\x00\x00\x10\x00", 4);            /* load base address */
    mb2_string(MB2_TAG_CMDLINE, "after");
    mb2_tag(8, framebuffer, sizeof(framebuffer));  /* framebuffer info */
    mb2_tag(0x7fffffff, NULL, 0);                  /* unassigned, empty */
    mb2_meminfo(1, 2);
    mb2_finish_at(INFO_PHYS);
    CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), 0);
    CHECK_STR(info.cmdline, "after");
    CHECK_EQ(info.mem_upper_kib, 2);
    CHECK_EQ(info.mmap_count, 0);
    CHECK_EQ(info.elf_sections.count, 0);
}

TEST(mb2_mmap_entry_size_32_is_stepped_over)
{
    mb2_start();
    mb2_mmap(32, pc_mmap, 4);                      /* a future, longer entry layout */
    mb2_finish_at(INFO_PHYS);
    CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), 0);
    CHECK_EQ(info.mmap_count, 4);
    CHECK_EQ(info.mmap[2].base, 0x100000);
    CHECK_EQ(info.mmap[3].type, BOOT_MEMORY_ACPI_RECLAIMABLE);
}

TEST(wrong_magic_is_refused)
{
    build_valid_mb2();
    CHECK_REFUSED(parse(0x12345678, INFO_PHYS), "wrong magic");
    CHECK_REFUSED(parse(0, INFO_PHYS), "wrong magic");
}

TEST(mb2_bad_header_is_refused)
{
    build_valid_mb2();
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS + 4), "8-byte aligned");
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, 0x1000), "not readable");
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, RAM_BASE + RAM_SIZE), "not readable");

    static const uint32_t too_small[] = { 0, 8, 15 };
    for (size_t i = 0; i < 3; i++) {
        put32(ram + (INFO_PHYS - RAM_BASE), too_small[i]);
        CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "too small");
    }
    put32(ram + (INFO_PHYS - RAM_BASE), BOOT_INFO_MAX_SIZE + 8);
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "larger than 1 MiB");

    /* The structure ends exactly at the end of RAM but claims 8 more bytes. */
    uint64_t at_end = RAM_BASE + RAM_SIZE - blob_len;
    put32(blob, (uint32_t)blob_len + 8);
    place(at_end, blob, blob_len);
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, at_end), "truncated");
}

TEST(mb2_bad_tag_sizes_are_refused)
{
    size_t cmdline;
    for (uint32_t size = 0; size < 8; size++) {
        mb2_start();
        cmdline = mb2_string(MB2_TAG_CMDLINE, "x");
        mb2_finish_at(INFO_PHYS);
        put32(ram + (INFO_PHYS - RAM_BASE) + cmdline + 4, size);
        CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "smaller than its header");
    }
    /* header 8 + cmdline 24 + end 8: total 40, so from offset 8 a size of 33 is one
     * byte too many. */
    mb2_start();
    cmdline = mb2_string(MB2_TAG_CMDLINE, "abcdefghijklmno");
    mb2_finish_at(INFO_PHYS);
    put32(ram + (INFO_PHYS - RAM_BASE) + cmdline + 4, 33);
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "runs past total_size");
    put32(ram + (INFO_PHYS - RAM_BASE) + cmdline + 4, 0xfffffff8);
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "runs past total_size");
}

TEST(mb2_missing_or_bad_end_tag_is_refused)
{
    mb2_start();
    mb2_string(MB2_TAG_CMDLINE, "no end");
    put32(blob, (uint32_t)blob_len);               /* tags end exactly at total_size */
    place(INFO_PHYS, blob, blob_len);
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "without an end tag");

    mb2_start();                                   /* last tag's padding past total_size */
    mb2_string(MB2_TAG_CMDLINE, "abc");            /* size 12 */
    put32(blob, 8 + 12);
    place(INFO_PHYS, blob, blob_len);
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "without an end tag");

    mb2_start();
    mb2_string(MB2_TAG_CMDLINE, "x");
    mb2_tag(MB2_TAG_END, "\0\0\0\0\0\0\0\0", 8);   /* an end tag of size 16 */
    put32(blob, (uint32_t)blob_len);
    place(INFO_PHYS, blob, blob_len);
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "size other than 8");
}

/* Tags whose fixed part or string is malformed: each alone in an otherwise valid list. */
static const struct {
    uint32_t type;
    const char *body;
    size_t len;
    const char *phrase;
} bad_tags[] = {
    { MB2_TAG_CMDLINE, "abc", 3, "command line tag has no terminating NUL" },
    { MB2_TAG_CMDLINE, "", 0, "command line tag has no terminating NUL" },
    { MB2_TAG_LOADER_NAME, "GRUB", 4, "boot loader name tag has no terminating NUL" },
    /* module: start 0x100000, end 0x200000 (little-endian), then the name */
    { MB2_TAG_MODULE, "\0\0\x10\0\0\0\x20\0name", 12, "module name has no terminating NUL" },
    { MB2_TAG_MODULE, "\0\0\x10\0\0\0\x20\0", 8, "module tag too small" },
    /* module: start 0x201000, end 0x200fff */
    { MB2_TAG_MODULE, "\0\x10\x20\0\xff\x0f\x20\0m", 10, "module ends before it starts" },
    { MB2_TAG_BASIC_MEMINFO, "\1\0\0\0", 4, "memory information tag too small" },
    { MB2_TAG_MMAP, "\x18\0\0", 4, "memory map tag too small" },
    { MB2_TAG_ELF_SECTIONS, "\0\0\0\0\0\0\0", 8, "ELF sections tag too small" },
};

TEST(mb2_malformed_tags_are_refused)
{
    for (size_t i = 0; i < sizeof(bad_tags) / sizeof(bad_tags[0]); i++) {
        mb2_start();
        mb2_string(MB2_TAG_LOADER_NAME, "first");
        mb2_tag(bad_tags[i].type, bad_tags[i].body, bad_tags[i].len);
        mb2_meminfo(1, 2);
        mb2_finish_at(INFO_PHYS);
        CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), bad_tags[i].phrase);
    }
}

TEST(mb2_bad_mmap_is_refused)
{
    static const uint32_t bad_sizes[] = { 0, 8, 16, 20, 28, 30 };
    for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
        mb2_start();
        size_t tag = mb2_mmap(24, pc_mmap, 2);
        mb2_finish_at(INFO_PHYS);
        put32(ram + (INFO_PHYS - RAM_BASE) + tag + 8, bad_sizes[i]);
        CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "entry size");
    }
    mb2_start();                                   /* 2 entries and 8 stray bytes */
    size_t tag = mb2_mmap(24, pc_mmap, 2);
    mb2_finish_at(INFO_PHYS);
    put32(ram + (INFO_PHYS - RAM_BASE) + tag + 4, 16 + 48 + 8);
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "ends inside an entry");
}

TEST(mb2_elf_sections_longer_than_tag_are_refused)
{
    mb2_start();
    mb2_elf(4, 64, 2, 3 * 64);                     /* claims 256 bytes, holds 192 */
    mb2_finish_at(INFO_PHYS);
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "shorter than its section headers");
    mb2_start();
    mb2_elf(0x10000, 0x10000, 0, 0);               /* 2^32: zero if multiplied in 32 bits */
    mb2_finish_at(INFO_PHYS);
    CHECK_REFUSED(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), "shorter than its section headers");
}

TEST(mb2_long_cmdline_and_too_many_regions_are_truncated)
{
    char line[BOOT_CMDLINE_MAX + 50];
    memset(line, 'c', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    static uint64_t many[BOOT_MMAP_MAX + 6][3];
    for (size_t i = 0; i < BOOT_MMAP_MAX + 6; i++) {
        many[i][0] = i * 0x1000;
        many[i][1] = 0x1000;
        many[i][2] = BOOT_MEMORY_AVAILABLE;
    }
    mb2_start();
    mb2_string(MB2_TAG_CMDLINE, line);
    mb2_mmap(24, (const uint64_t (*)[3])many, BOOT_MMAP_MAX + 6);
    mb2_finish_at(INFO_PHYS);
    CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), 0);
    CHECK(info.truncated);
    CHECK_EQ(strlen(info.cmdline), BOOT_CMDLINE_MAX - 1);
    CHECK(memcmp(info.cmdline, line, BOOT_CMDLINE_MAX - 1) == 0);
    CHECK_EQ(info.mmap_count, BOOT_MMAP_MAX);
    CHECK_EQ(info.mmap[BOOT_MMAP_MAX - 1].base, (BOOT_MMAP_MAX - 1) * 0x1000);
    CHECK_EQ(boot_info_available_bytes(&info), BOOT_MMAP_MAX * 0x1000);

    line[BOOT_CMDLINE_MAX - 1] = '\0';             /* exactly fits: not truncated */
    mb2_start();
    mb2_string(MB2_TAG_CMDLINE, line);
    mb2_finish_at(INFO_PHYS);
    CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), 0);
    CHECK(!info.truncated);
    CHECK_STR(info.cmdline, line);
}

TEST(mb2_long_module_name_and_too_many_modules_are_truncated)
{
    char name[BOOT_MODULE_NAME_MAX + 10];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    mb2_start();
    mb2_module(0x200000, 0x200800, name);
    mb2_finish_at(INFO_PHYS);
    CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), 0);
    CHECK(info.truncated);
    CHECK_EQ(strlen(info.modules[0].name), BOOT_MODULE_NAME_MAX - 1);

    /* A long path keeps the end of the string, the word that names the module. */
    memset(name, '/', sizeof(name) - 1);
    memcpy(name + sizeof(name) - 1 - strlen("initrd.tar initrd"), "initrd.tar initrd", strlen("initrd.tar initrd"));
    mb2_start();
    mb2_module(0x200000, 0x200800, name);
    mb2_finish_at(INFO_PHYS);
    CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), 0);
    CHECK(info.truncated);
    CHECK_STR(info.modules[0].name, name + 10);
    CHECK(boot_info_module(&info, "initrd") == &info.modules[0]);

    mb2_start();
    for (uint32_t i = 0; i < BOOT_MODULES_MAX + 2; i++)
        mb2_module(0x200000 + i * 0x1000, 0x200800 + i * 0x1000, "m");
    mb2_finish_at(INFO_PHYS);
    CHECK_EQ(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), 0);
    CHECK(info.truncated);
    CHECK_EQ(info.module_count, BOOT_MODULES_MAX);
    CHECK_EQ(info.modules[BOOT_MODULES_MAX - 1].end, 0x200800 + (BOOT_MODULES_MAX - 1) * 0x1000);
}

/* ---- helpers that read struct boot_info ---- */
static bool has(const char *cmdline, const char *word)
{
    memset(&info, 0, sizeof(info));
    memcpy(info.cmdline, cmdline, strlen(cmdline) + 1);
    return boot_info_has_option(&info, word);
}

TEST(has_option_matches_whole_words)
{
    CHECK(has("a ktest b", "ktest"));
    CHECK(!has("a ktest b", "kt"));
    CHECK(!has("a ktest b", "test"));
    CHECK(!has("a ktest=x b", "ktest"));
    CHECK(has("a ktest=x b", "ktest=x"));
    CHECK(has("ktest b", "ktest"));
    CHECK(has("a ktest", "ktest"));
    CHECK(has("ktest", "ktest"));
    CHECK(has("   a    ktest   ", "ktest"));
    CHECK(!has("ktests", "ktest"));
    CHECK(!has("", "ktest"));
    CHECK(!has("   ", "ktest"));
    CHECK(!has("a b", ""));
}

TEST(available_bytes_sums_only_type_1)
{
    memset(&info, 0, sizeof(info));
    static const uint32_t types[] = { 1, 2, 3, 4, 5, 0, 7, 1 };
    for (size_t i = 0; i < 8; i++) {
        info.mmap[i].length = (uint64_t)1 << (i * 4);
        info.mmap[i].type = types[i];
    }
    info.mmap_count = 8;
    CHECK_EQ(boot_info_available_bytes(&info), 0x1 + 0x10000000);
    info.mmap_count = 0;
    CHECK_EQ(boot_info_available_bytes(&info), 0);
    CHECK_STR(boot_memory_type_name(0), "reserved");
    CHECK_STR(boot_memory_type_name(5), "bad");
}

TEST(mb2_random_corruption_never_crashes)
{
    build_valid_mb2();
    uint8_t good[512];
    size_t len = blob_len;
    memcpy(good, blob, len);
    size_t accepted = 0, refused = 0;
    for (int iteration = 0; iteration < 5000; iteration++) {
        memcpy(blob, good, len);
        for (int n = 1 + (int)(rng() % 4); n > 0; n--)
            corrupt(blob + 8, len - 8);
        if (rng() % 4 == 0)                        /* a shorter (or slightly longer) total */
            put32(blob, (uint32_t)(rng() % (len + 16)));
        place(INFO_PHYS, blob, len);
        check_outcome(parse(MB2_BOOTLOADER_MAGIC, INFO_PHYS), &accepted, &refused);
    }
    CHECK(accepted > 100 && refused > 100);        /* both paths were exercised */
}
