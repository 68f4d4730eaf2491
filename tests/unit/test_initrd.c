/*
 * test_initrd.c - host tests of kernel/proc/initrd.c: a ustar archive built in memory the
 * way GNU tar --format=ustar writes it, then broken one field at a time (each refusal's
 * exact reason and header offset), truncated at every length and corrupted at random;
 * plus a real archive from GNU tar. Header offsets are written out by hand from POSIX.1-2017
 * XCU pax, "ustar Interchange Format", independently of initrd.c's struct. Every archive
 * is opened from an exact-size heap copy, so ASan reports any read past its end.
 */
#include <unistd.h>

#include "unit.h"
#include "initrd.h"
#include "errno.h"

/* ustar header fields: offset and width, by hand. */
#define H_NAME      0     /* 100 */
#define H_MODE      100   /* 8 */
#define H_UID       108   /* 8 */
#define H_GID       116   /* 8 */
#define H_SIZE      124   /* 12 */
#define H_MTIME     136   /* 12 */
#define H_CHECKSUM  148   /* 8 */
#define H_TYPEFLAG  156   /* 1 */
#define H_LINKNAME  157   /* 100 */
#define H_MAGIC     257   /* 6 */
#define H_VERSION   263   /* 2 */
#define H_UNAME     265   /* 32 */
#define H_GNAME     297   /* 32 */
#define H_PREFIX    345   /* 155 */

/* ---- builder: headers and data appended to `archive` ---- */
static uint8_t archive[96 * 512];
static size_t archive_size;

static void tar_start(void)
{
    memset(archive, 0, sizeof(archive));
    archive_size = 0;
}

/* Octal, zero-padded to width - 1 digits, then NUL: what GNU tar writes. */
static void put_octal(uint8_t *field, size_t width, uint64_t value)
{
    char text[32];
    snprintf(text, sizeof(text), "%0*llo", (int)(width - 1), (unsigned long long)value);
    memcpy(field, text, width);           /* the NUL included */
}

static void put_text(uint8_t *field, size_t width, const char *text)
{
    memset(field, 0, width);
    size_t n = strlen(text);
    memcpy(field, text, n < width ? n : width);   /* full width: no terminator */
}

/* Recompute the header's checksum as GNU tar writes it: 6 digits, NUL, space. */
static void seal(size_t at)
{
    uint8_t *h = archive + at;
    memset(h + H_CHECKSUM, ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += h[i];
    char text[8];
    snprintf(text, sizeof(text), "%06o", sum);
    memcpy(h + H_CHECKSUM, text, 7);
    h[H_CHECKSUM + 7] = ' ';
}

/* Append an entry; `data` may be NULL (then `size` bytes of a pattern). Entries with
 * typeflag '1'..'6' get `size` in their header but no data. Returns the header offset. */
static size_t tar_add(const char *prefix, const char *name, char type, const void *data,
                      size_t size)
{
    size_t at = archive_size;
    uint8_t *h = archive + at;
    memset(h, 0, 512);
    put_text(h + H_NAME, 100, name);
    put_octal(h + H_MODE, 8, type == '5' ? 0755 : 0644);
    put_octal(h + H_UID, 8, 1000);
    put_octal(h + H_GID, 8, 1000);
    put_octal(h + H_SIZE, 12, size);
    put_octal(h + H_MTIME, 12, 1700000000);
    h[H_TYPEFLAG] = (uint8_t)type;
    if (type == '2')
        put_text(h + H_LINKNAME, 100, "bin/hello");
    memcpy(h + H_MAGIC, "ustar", 6);
    memcpy(h + H_VERSION, "00", 2);
    put_text(h + H_UNAME, 32, "user");
    put_text(h + H_GNAME, 32, "user");
    put_text(h + H_PREFIX, 155, prefix);
    seal(at);
    archive_size += 512;
    if (type >= '1' && type <= '6')
        return at;
    for (size_t i = 0; i < size; i++)
        archive[archive_size + i] = data ? ((const uint8_t *)data)[i] : (uint8_t)(i * 13 + 1);
    archive_size += (size + 511) / 512 * 512;
    return at;
}

static void tar_end(void)
{
    memset(archive + archive_size, 0, 1024);
    archive_size += 1024;
}

static char long_prefix[80], long_name[40], long_joined[120];

/*
 * GNU tar -C dir . with a split long name, offsets by hand:
 *   0     "./"            directory
 *   512   "./bin/"        directory
 *   1024  "./bin/hello"   1000 bytes at 1536 (2 blocks)
 *   2560  "./README"      empty
 *   3072  "./link"        symlink
 *   3584  "./etc/motd"    typeflag NUL (pre-POSIX regular), 512 bytes at 4096
 *   4608  prefix "./" + 60 chars, name 30: 93 characters, 91 without "./"; 3 at 5120
 *   5632  end: two zero blocks; archive_size 6656
 */
static void build_valid(void)
{
    memset(long_prefix, 0, sizeof(long_prefix));
    memcpy(long_prefix, "./", 2);
    for (size_t i = 0; i < 60; i++)
        long_prefix[2 + i] = i % 11 == 10 ? '/' : (char)('a' + i % 11);
    memset(long_name, 0, sizeof(long_name));
    for (size_t i = 0; i < 30; i++)
        long_name[i] = (char)('A' + i % 26);
    snprintf(long_joined, sizeof(long_joined), "%s/%s", long_prefix + 2, long_name);

    tar_start();
    tar_add("", "./", '5', NULL, 0);
    tar_add("", "./bin/", '5', NULL, 0);
    tar_add("", "./bin/hello", '0', NULL, 1000);
    tar_add("", "./README", '0', NULL, 0);
    tar_add("", "./link", '2', NULL, 0);
    tar_add("", "./etc/motd", '\0', NULL, 512);
    tar_add(long_prefix, long_name, '0', "abc", 3);
    tar_end();
}

/* ---- opening an exact-size heap copy (kept until the next open: files point into it) ---- */
static uint8_t *copy;
static struct initrd rd;
static const char *error;
static size_t error_offset;

static int open_copy(const uint8_t *bytes, size_t len)
{
    free(copy);
    copy = malloc(len ? len : 1);
    memcpy(copy, bytes, len);
    error = NULL;
    error_offset = 0xdead;
    memset(&rd, 0xa5, sizeof(rd));
    return initrd_open(&rd, copy, len, &error, &error_offset);
}

static int open_archive(void)
{
    return open_copy(archive, archive_size);
}

#define CHECK_REFUSED(rc, reason, offset)                                           \
    do {                                                                            \
        CHECK_EQ((rc), -EINVAL);                                                    \
        CHECK(error != NULL);                                                       \
        CHECK_STR(error, (reason));                                                 \
        CHECK_EQ(error_offset, (offset));                                           \
        CHECK_EQ(rd.size, 0);                                                       \
        CHECK_EQ(rd.files, 0);                                                      \
    } while (0)

static void check_file(const struct initrd_file *f, const char *name, size_t data_offset,
                       size_t size)
{
    CHECK_STR(f->name, name);
    CHECK(f->data == copy + data_offset);
    CHECK_EQ(f->size, size);
}

TEST(well_formed_archive_is_listed_in_order)
{
    build_valid();
    CHECK_EQ(archive_size, 6656);
    CHECK_EQ(open_archive(), 0);
    CHECK(error == NULL && error_offset == 0xdead);      /* untouched on success */
    CHECK(rd.base == copy);
    CHECK_EQ(rd.size, 5632);
    CHECK_EQ(rd.files, 4);

    struct initrd_file f;
    size_t cursor = 0;
    CHECK_EQ(initrd_next(&rd, &cursor, &f), 1);
    check_file(&f, "bin/hello", 1536, 1000);
    CHECK_EQ(f.data[0], 1);
    CHECK_EQ(f.data[999], (uint8_t)(999 * 13 + 1));
    CHECK_EQ(initrd_next(&rd, &cursor, &f), 1);
    check_file(&f, "README", 2560 + 512, 0);
    CHECK_EQ(initrd_next(&rd, &cursor, &f), 1);
    check_file(&f, "etc/motd", 4096, 512);
    CHECK_EQ(initrd_next(&rd, &cursor, &f), 1);
    check_file(&f, long_joined, 5120, 3);
    CHECK_EQ(strlen(f.name), 91);
    CHECK(memcmp(f.data, "abc", 3) == 0);
    memset(&f, 0x5a, sizeof(f));
    CHECK_EQ(initrd_next(&rd, &cursor, &f), 0);
    CHECK_EQ(f.size, 0x5a5a5a5a5a5a5a5aull);              /* untouched at the end */
    CHECK_EQ(initrd_next(&rd, &cursor, &f), 0);           /* and it stays at the end */
}

TEST(find_matches_exact_names_only)
{
    build_valid();
    CHECK_EQ(open_archive(), 0);
    struct initrd_file f;
    CHECK_EQ(initrd_find(&rd, "bin/hello", &f), 0);
    check_file(&f, "bin/hello", 1536, 1000);
    CHECK_EQ(initrd_find(&rd, "README", &f), 0);
    check_file(&f, "README", 3072, 0);
    CHECK_EQ(initrd_find(&rd, long_joined, &f), 0);
    check_file(&f, long_joined, 5120, 3);

    static const char *const absent[] = {
        "./bin/hello", "/bin/hello", "bin/hell", "bin/hello2", "bin", "bin/", "", ".",
        "link", "readme", "etc/motd/",
    };
    for (size_t i = 0; i < ARRAY_SIZE(absent); i++) {
        memset(&f, 0x5a, sizeof(f));
        if (initrd_find(&rd, absent[i], &f) != -ENOENT)
            UNIT_FAIL("found \"%s\"", absent[i]);
        CHECK_EQ(f.size, 0x5a5a5a5a5a5a5a5aull);          /* untouched */
    }
}

TEST(later_file_of_the_same_name_wins)
{
    tar_start();
    tar_add("", "a", '0', "old", 3);
    tar_add("", "./a", '0', "newer", 5);                  /* the same name after "./" */
    tar_add("", "b", '0', "b", 1);
    tar_end();
    CHECK_EQ(open_archive(), 0);
    CHECK_EQ(rd.files, 3);
    struct initrd_file f;
    CHECK_EQ(initrd_find(&rd, "a", &f), 0);
    check_file(&f, "a", 1536, 5);
}

TEST(empty_archives_are_valid)
{
    static const size_t sizes[] = { 0, 512, 1024, 10240 };
    static const uint8_t zeros[10240];
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        CHECK_EQ(open_copy(zeros, sizes[i]), 0);
        CHECK_EQ(rd.files, 0);
        CHECK_EQ(rd.size, 0);
        struct initrd_file f;
        size_t cursor = 0;
        CHECK_EQ(initrd_next(&rd, &cursor, &f), 0);
        CHECK_EQ(initrd_find(&rd, "a", &f), -ENOENT);
    }
    struct initrd empty;                   /* no memory at all */
    error = NULL;
    CHECK_EQ(initrd_open(&empty, NULL, 0, &error, &error_offset), 0);
    CHECK_EQ(empty.files, 0);
    size_t cursor = 0;
    struct initrd_file f;
    CHECK_EQ(initrd_next(&empty, &cursor, &f), 0);

    tar_start();                           /* directories only: no files */
    tar_add("", "./", '5', NULL, 0);
    tar_add("", "./d/", '5', NULL, 0);
    tar_end();
    CHECK_EQ(open_archive(), 0);
    CHECK_EQ(rd.files, 0);
    CHECK_EQ(rd.size, 1024);
}

TEST(end_of_archive_forms)
{
    build_valid();
    CHECK_EQ(open_copy(archive, 5632), 0);               /* no zero blocks at all */
    CHECK_EQ(rd.files, 4);
    CHECK_EQ(rd.size, 5632);
    CHECK_EQ(open_copy(archive, 5632 + 512), 0);         /* one, then the module ends */
    CHECK_EQ(rd.files, 4);
    CHECK_EQ(rd.size, 5632);

    archive_size = 10 * 1024;                            /* tar's 10 KiB record */
    CHECK_EQ(open_archive(), 0);
    CHECK_EQ(rd.files, 4);
    memset(archive + 6656, 0xee, 700);                   /* whatever follows is ignored */
    archive_size = 6656 + 700;
    CHECK_EQ(open_archive(), 0);
    CHECK_EQ(rd.files, 4);
    CHECK_EQ(rd.size, 5632);
}

TEST(trailing_partial_block_is_refused)
{
    build_valid();
    for (size_t extra = 1; extra < 512; extra += 85) {
        memset(archive + 5632, 0, 1024);
        CHECK_REFUSED(open_copy(archive, 5632 + extra),
                      "archive ends inside a 512-byte block", 5632);
        CHECK_REFUSED(open_copy(archive, 5632 + 512 + extra),
                      "archive ends inside a 512-byte block", 5632 + 512);
        memset(archive + 5632, 0x41, 1024);                /* partial non-zero block */
        CHECK_REFUSED(open_copy(archive, 5632 + extra),
                      "archive ends inside a 512-byte block", 5632);
    }
}

TEST(single_zero_block_inside_is_refused)
{
    build_valid();
    memmove(archive + 3072 + 512, archive + 3072, 6656 - 3072);
    memset(archive + 3072, 0, 512);                       /* before "./link" */
    archive_size += 512;
    CHECK_REFUSED(open_archive(), "a single zero block inside the archive (the end needs two)",
                  3072);
}

TEST(bad_magic_is_refused)
{
    static const struct { const char magic[6]; const char *reason; } cases[] = {
        { "ustaR", "header magic is not \"ustar\" (not a ustar archive)" },
        { "USTAR", "header magic is not \"ustar\" (not a ustar archive)" },
        { { 'u', 's', 't', 'a', 'r', 'X' }, "header magic is not \"ustar\" (not a ustar archive)" },
        { { 0 }, "header magic is not \"ustar\" (not a ustar archive)" },   /* V7 tar */
        { { 'u', 's', 't', 'a', 'r', ' ' },
          "GNU tar header (magic \"ustar \"): build the archive with --format=ustar" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        build_valid();
        memcpy(archive + 2560 + H_MAGIC, cases[i].magic, 6);
        if (cases[i].magic[5] == ' ')
            memcpy(archive + 2560 + H_VERSION, " ", 2);   /* GNU: "ustar  \0" */
        seal(2560);
        CHECK_REFUSED(open_archive(), cases[i].reason, 2560);
    }
    build_valid();                                          /* version is not looked at */
    memcpy(archive + 2560 + H_VERSION, "\0\0", 2);
    seal(2560);
    CHECK_EQ(open_archive(), 0);
}

TEST(bad_checksum_is_refused)
{
    build_valid();
    archive[1024 + H_NAME + 3] ^= 1;                        /* any byte, unsealed */
    CHECK_REFUSED(open_archive(), "header checksum mismatch", 1024);
    build_valid();
    archive[1024 + H_UNAME + 31] = 1;
    CHECK_REFUSED(open_archive(), "header checksum mismatch", 1024);

    static const char *const not_octal[] = {
        "", "        ", "0012a45", "-001234", "0x1234", "\x01" "01234",
    };
    for (size_t i = 0; i < ARRAY_SIZE(not_octal); i++) {
        build_valid();
        put_text(archive + 2560 + H_CHECKSUM, 8, not_octal[i]);
        CHECK_REFUSED(open_archive(), "header checksum field is not octal", 2560);
    }

    /* The sum off by one either way, and the sum of another header. */
    build_valid();
    unsigned sum = (unsigned)strtoul((const char *)archive + 1024 + H_CHECKSUM, NULL, 8);
    for (int delta = -1; delta <= 1; delta += 2) {
        snprintf((char *)archive + 1024 + H_CHECKSUM, 8, "%06o", sum + delta);
        CHECK_REFUSED(open_archive(), "header checksum mismatch", 1024);
    }
}

TEST(checksum_field_forms_are_accepted)
{
    /* GNU tar writes "%06o\0 "; others "%07o\0", " %06o ", "%o " or all 8 digits. */
    static const char *const forms[] = { "%06o", "%07o", " %06o ", "  %o ", "%08o", "%o" };
    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        build_valid();
        unsigned sum = (unsigned)strtoul((const char *)archive + 3584 + H_CHECKSUM, NULL, 8);
        char text[16];
        snprintf(text, sizeof(text), forms[i], sum);
        put_text(archive + 3584 + H_CHECKSUM, 8, text);
        /* The field counts as spaces, so its spelling does not change the sum. */
        CHECK_EQ(open_archive(), 0);
        CHECK_EQ(rd.files, 4);
    }
}

TEST(historic_signed_checksum_is_accepted)
{
    tar_start();
    size_t at = tar_add("", "caf\xc3\xa9", '0', "x", 1);   /* two bytes >= 0x80 */
    tar_end();
    int unsigned_sum = 0, signed_sum = 0;
    memset(archive + at + H_CHECKSUM, ' ', 8);
    for (size_t i = 0; i < 512; i++) {
        unsigned_sum += archive[at + i];
        signed_sum += (int8_t)archive[at + i];
    }
    CHECK(signed_sum == unsigned_sum - 2 * 256);
    snprintf((char *)archive + at + H_CHECKSUM, 8, "%06o", signed_sum);
    CHECK_EQ(open_archive(), 0);
    struct initrd_file f;
    CHECK_EQ(initrd_find(&rd, "caf\xc3\xa9", &f), 0);
    snprintf((char *)archive + at + H_CHECKSUM, 8, "%06o", unsigned_sum);
    CHECK_EQ(open_archive(), 0);
    snprintf((char *)archive + at + H_CHECKSUM, 8, "%06o", signed_sum + 256);
    CHECK_REFUSED(open_archive(), "header checksum mismatch", 0);
}

TEST(bad_size_field_is_refused)
{
    static const char *const not_octal[] = {
        "", "           ", "0000000001x", "00000000008", "0000000009", "-1", "+1",
        "\x80\0\0\0\0\0\0\0\0\0\0\x01",                     /* GNU base-256 */
    };
    for (size_t i = 0; i < ARRAY_SIZE(not_octal); i++) {
        build_valid();
        put_text(archive + 1024 + H_SIZE, 12, not_octal[i]);
        if (not_octal[i][0] == '\x80')
            memcpy(archive + 1024 + H_SIZE, not_octal[i], 12);
        seal(1024);
        CHECK_REFUSED(open_archive(), "header size field is not octal", 1024);
    }
    /* Directories and links store no data, but their size field is still checked. */
    build_valid();
    put_text(archive + 512 + H_SIZE, 12, "zero");
    seal(512);
    CHECK_REFUSED(open_archive(), "header size field is not octal", 512);
}

TEST(size_field_forms_are_accepted)
{
    static const char *const forms[] = {
        "00000001750", "000000001750",                      /* NUL-ended; full width */
        "1750", "       1750 ", "1750 ", "00000001750 ",
    };
    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        build_valid();
        put_text(archive + 1024 + H_SIZE, 12, forms[i]);
        seal(1024);
        CHECK_EQ(open_archive(), 0);
        struct initrd_file f;
        CHECK_EQ(initrd_find(&rd, "bin/hello", &f), 0);
        CHECK_EQ(f.size, 1000);
    }
}

TEST(data_past_the_end_is_refused)
{
    const char *runs_past = "file data runs past the end of the archive";
    static const uint64_t sizes[] = { 6656 - 1536 + 1, 077777777777ull, 0777777777777ull };
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        build_valid();
        put_octal(archive + 1024 + H_SIZE, 12, sizes[i] & 077777777777ull);
        if (sizes[i] > 077777777777ull)
            memcpy(archive + 1024 + H_SIZE, "777777777777", 12);
        seal(1024);
        CHECK_REFUSED(open_archive(), runs_past, 1024);
    }
    /* All 6656 - 1536 bytes are data: fine (the rest of the archive becomes data). */
    build_valid();
    put_octal(archive + 1024 + H_SIZE, 12, 6656 - 1536);
    seal(1024);
    CHECK_EQ(open_archive(), 0);
    CHECK_EQ(rd.files, 1);

    /* The data fits, but not the padding of its last block. */
    build_valid();
    CHECK_REFUSED(open_copy(archive, 1536 + 1000), "archive ends inside the last 512-byte "
                  "block of a file's data", 1024);
    CHECK_REFUSED(open_copy(archive, 1536 + 1023), "archive ends inside the last 512-byte "
                  "block of a file's data", 1024);
    CHECK_EQ(open_copy(archive, 1536 + 1024), 0);
}

TEST(entries_without_data_and_unknown_types)
{
    tar_start();
    tar_add("", "dir/", '5', NULL, 100);   /* a size, but no data (POSIX DIRTYPE) */
    tar_add("", "hard", '1', NULL, 7);
    tar_add("", "fifo", '6', NULL, 0);
    tar_add("", "vendor", 'Z', NULL, 600);  /* unknown: data follows, 2 blocks */
    tar_add("", "contiguous", '7', NULL, 10);
    tar_add("", "file", '0', "data", 4);
    tar_end();
    CHECK_EQ(open_archive(), 0);
    CHECK_EQ(rd.files, 1);
    struct initrd_file f;
    size_t cursor = 0;
    CHECK_EQ(initrd_next(&rd, &cursor, &f), 1);
    check_file(&f, "file", 9 * 512, 4);  /* headers at 0 512 1024 1536 3072 4096 */
    CHECK_EQ(initrd_next(&rd, &cursor, &f), 0);
    CHECK_EQ(initrd_find(&rd, "dir/", &f), -ENOENT);
    CHECK_EQ(initrd_find(&rd, "vendor", &f), -ENOENT);
}

TEST(extension_headers_are_refused)
{
    static const struct { char type; const char *reason; } cases[] = {
        { 'x', "pax extended header: build the archive with --format=ustar" },
        { 'g', "pax extended header: build the archive with --format=ustar" },
        { 'L', "GNU long name header: build the archive with --format=ustar" },
        { 'K', "GNU long name header: build the archive with --format=ustar" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        tar_start();
        tar_add("", "first", '0', "1", 1);
        size_t at = tar_add("", "././@LongLink", cases[i].type, NULL, 120);
        tar_add("", "second", '0', "2", 1);
        tar_end();
        CHECK_REFUSED(open_archive(), cases[i].reason, at);
    }
}

/* `n` copies of `c` (plus a NUL) in a static buffer per call site. */
static const char *repeat(char *buffer, char c, size_t n)
{
    memset(buffer, c, n);
    buffer[n] = '\0';
    return buffer;
}

TEST(names_are_joined_stripped_and_bounded)
{
    const char *too_long = "name longer than 99 characters (INITRD_NAME_MAX - 1)";
    char a[200], b[200], expect[400];
    struct initrd_file f;

    static const struct { size_t prefix, name; bool dot; bool fits; } cases[] = {
        { 0, 99, false, true },
        { 0, 100, false, false },          /* full width, unterminated */
        { 0, 98, true, true },             /* "./" + 98: full width, 98 after stripping */
        { 49, 49, false, true },           /* 49 + "/" + 49 = 99 */
        { 50, 49, false, false },
        { 49, 50, false, false },
        { 50, 49, true, true },            /* "./" + 48 + "/" + 49 = 98 */
        { 155, 1, false, false },          /* full-width prefix, unterminated */
        { 1, 100, false, false },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        repeat(a, 'p', cases[i].prefix);
        repeat(b, 'n', cases[i].name);
        if (cases[i].dot && cases[i].prefix) {
            memcpy(a, "./", 2);            /* "./" replaces the prefix's first two */
        } else if (cases[i].dot) {
            repeat(b + 2, 'n', cases[i].name);
            memcpy(b, "./", 2);            /* "./" comes before the name's characters */
        }
        tar_start();
        tar_add("", "first", '0', "1", 1);
        size_t at = tar_add(a, b, '0', "x", 1);
        tar_end();
        if (!cases[i].fits) {
            CHECK_REFUSED(open_archive(), too_long, at);
            continue;
        }
        CHECK_EQ(open_archive(), 0);
        const char *p = a[0] == '.' ? a + 2 : a;
        const char *n = b[0] == '.' ? b + 2 : b;
        snprintf(expect, sizeof(expect), "%s%s%s", p, cases[i].prefix ? "/" : "", n);
        CHECK_EQ(initrd_find(&rd, expect, &f), 0);
        CHECK_STR(f.name, expect);
        CHECK(strlen(f.name) < INITRD_NAME_MAX);
    }

    tar_start();
    tar_add(".", "x", '0', "1", 1);        /* prefix "." + "/" + name */
    tar_add("./a", "b", '0', "2", 1);
    size_t garbage = tar_add("", "c", '0', "3", 1);
    tar_add("", ".hidden", '0', "4", 1);  /* only "./" is stripped */
    tar_add("", "./", '5', NULL, 0);
    tar_end();
    memcpy(archive + garbage + H_NAME, "c\0garbage", 9);   /* the name ends at its NUL */
    seal(garbage);
    CHECK_EQ(open_archive(), 0);
    size_t cursor = 0;
    static const char *const names[] = { "x", "a/b", "c", ".hidden" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        CHECK_EQ(initrd_next(&rd, &cursor, &f), 1);
        CHECK_STR(f.name, names[i]);
    }

    /* Too long is refused for directories too: the name of every entry is checked. */
    tar_start();
    size_t at = tar_add("", repeat(a, 'd', 100), '5', NULL, 0);
    tar_end();
    CHECK_REFUSED(open_archive(), too_long, at);
}

/* Regression (found by tests/fuzz/fuzz_initrd.c): only the first leading "./" was
 * stripped, so "././@LongLink" was listed as "./@LongLink", against initrd.h. */
TEST(repeated_leading_dot_slashes_are_all_stripped)
{
    struct initrd_file f;
    tar_start();
    tar_add("", "././@LongLink", '0', "1", 1);
    tar_add("./.", "x", '0', "2", 1);        /* prefix "./." + "/" + "x": "././x" */
    tar_add("", "./././a/b", '0', "3", 1);
    tar_add("", "./.hidden", '0', "4", 1);
    tar_end();
    CHECK_EQ(open_archive(), 0);
    size_t cursor = 0;
    static const char *const names[] = { "@LongLink", "x", "a/b", ".hidden" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        CHECK_EQ(initrd_next(&rd, &cursor, &f), 1);
        CHECK_STR(f.name, names[i]);
    }
    CHECK_EQ(initrd_find(&rd, "x", &f), 0);
}

TEST(regular_file_with_empty_name_is_refused)
{
    static const char *const empty[] = { "", "./" };
    for (size_t i = 0; i < ARRAY_SIZE(empty); i++) {
        tar_start();
        tar_add("", "first", '0', "1", 1);
        size_t at = tar_add("", empty[i], '0', "x", 1);
        tar_end();
        CHECK_REFUSED(open_archive(), "regular file with an empty name", at);
    }
}

/* ---- robustness ---- */
static void check_promises(size_t len)
{
    CHECK(rd.base == copy && rd.size <= len);
    size_t cursor = 0, count = 0;
    struct initrd_file f;
    while (initrd_next(&rd, &cursor, &f)) {
        size_t n = strnlen(f.name, INITRD_NAME_MAX);
        CHECK(n > 0 && n < INITRD_NAME_MAX);
        CHECK(f.data >= copy && f.size <= rd.size);
        CHECK((size_t)(f.data - copy) <= rd.size - f.size);
        struct initrd_file g;
        CHECK_EQ(initrd_find(&rd, f.name, &g), 0);
        CHECK_STR(g.name, f.name);
        CHECK(++count <= rd.files);
    }
    CHECK_EQ(count, rd.files);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;     /* fixed seed: failures reproduce */
static uint64_t rng(void)
{
    return unit_rng(&rng_state);
}

TEST(every_truncation_is_refused_cleanly)
{
    build_valid();
    /* Cutting right before a header, or after a zero block, leaves a valid archive. */
    static const size_t valid[] = { 0, 512, 1024, 2560, 3072, 3584, 4608, 5632, 6144, 6656 };
    static const size_t files[] = { 0, 0, 0, 1, 2, 2, 3, 4, 4, 4 };
    size_t next_valid = 0;
    for (size_t len = 0; len <= archive_size; len++) {
        int rc = open_copy(archive, len);
        if (next_valid < ARRAY_SIZE(valid) && len == valid[next_valid]) {
            if (rc != 0)
                UNIT_FAIL("length %zu refused: %s at %zu", len, error, error_offset);
            CHECK_EQ(rd.files, files[next_valid]);
            check_promises(len);
            next_valid++;
        } else {
            CHECK_EQ(rc, -EINVAL);
            CHECK(error != NULL && error[0] != '\0');
            CHECK(error_offset <= len);
        }
    }
    CHECK_EQ(next_valid, ARRAY_SIZE(valid));
}

TEST(random_corruption_never_crashes)
{
    build_valid();
    uint8_t good[6656];
    memcpy(good, archive, sizeof(good));
    size_t accepted = 0, refused = 0;
    for (int iteration = 0; iteration < 5000; iteration++) {
        memcpy(archive, good, sizeof(good));
        for (int n = 1 + (int)(rng() % 3); n > 0; n--) {
            size_t at = rng() % sizeof(good);
            switch (rng() % 4) {
            case 0: archive[at] = (uint8_t)rng(); break;
            case 1: archive[at] = (uint8_t)('0' + rng() % 10); break;     /* octal-ish */
            case 2: archive[at] = rng() % 2 ? ' ' : 0; break;
            default: archive[at] ^= (uint8_t)(1u << (rng() % 8)); break;
            }
        }
        /* Half the time reseal one header, so the damage reaches past the checksum. */
        if (rng() % 2) {
            static const size_t headers[] = { 0, 512, 1024, 2560, 3072, 3584, 4608 };
            seal(headers[rng() % ARRAY_SIZE(headers)]);
        }
        size_t len = rng() % 8 ? sizeof(good) : rng() % (sizeof(good) + 1);
        int rc = open_copy(archive, len);
        if (rc == 0) {
            check_promises(len);
            accepted++;
        } else {
            CHECK_EQ(rc, -EINVAL);
            CHECK(error != NULL && error[0] != '\0' && error_offset < len);
            refused++;
        }
    }
    CHECK(accepted > 100 && refused > 100);        /* both paths were exercised */
}

TEST(cursor_not_from_next_stays_in_bounds)
{
    build_valid();
    CHECK_EQ(open_archive(), 0);
    struct initrd_file f;
    for (size_t cursor0 = 0; cursor0 < rd.size + 600; cursor0 += 97) {
        size_t cursor = cursor0;
        for (int steps = 0; initrd_next(&rd, &cursor, &f); steps++)
            CHECK(steps < 8 && f.data >= copy && f.data + f.size <= copy + rd.size);
    }
}

/* ---- a real archive: GNU tar --format=ustar in a fresh temporary directory ---- */
TEST(gnu_tar_ustar_archive_is_read)
{
    char dir[] = "/tmp/test_initrd.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    /* "./" + 40 + "/" + 58 = 101 characters: tar splits it into prefix and name. */
    char deep[64], leaf[64], command[1024];
    repeat(deep, 'd', 40);
    repeat(leaf, 'f', 58);
    snprintf(command, sizeof(command),
             "cd %s && mkdir -p tree/bin tree/%s && printf hello > tree/bin/hello"
             " && : > tree/empty && printf deep > tree/%s/%s && ln -s bin/hello tree/link"
             " && head -c 5000 /dev/zero | tr '\\0' x > tree/big"
             " && tar --format=ustar --sort=name -C tree -cf archive.tar ."
             " && tar --format=ustar -C tree -cf plain.tar bin/hello big", dir, deep, deep, leaf);
    if (system(command) != 0)
        UNIT_FAIL("GNU tar could not build the archive: %.300s", command);

    static uint8_t bytes[1 << 16];
    snprintf(command, sizeof(command), "%s/archive.tar", dir);
    FILE *f = fopen(command, "rb");
    CHECK(f != NULL);
    size_t size = fread(bytes, 1, sizeof(bytes), f);
    fclose(f);
    CHECK(size % 10240 == 0);                      /* tar's records */

    char path[200];
    snprintf(path, sizeof(path), "%s/%s", deep, leaf);
    CHECK_EQ(strlen(path), 99);
    if (open_copy(bytes, size) != 0)
        UNIT_FAIL("GNU tar's archive refused: %s at %zu", error, error_offset);
    CHECK_EQ(rd.files, 4);                         /* big, bin/hello, deep/leaf, empty */
    struct initrd_file file;
    CHECK_EQ(initrd_find(&rd, "bin/hello", &file), 0);
    CHECK(file.size == 5 && memcmp(file.data, "hello", 5) == 0);
    CHECK_EQ(initrd_find(&rd, "empty", &file), 0);
    CHECK_EQ(file.size, 0);
    CHECK_EQ(initrd_find(&rd, path, &file), 0);
    CHECK(file.size == 4 && memcmp(file.data, "deep", 4) == 0);
    CHECK_EQ(initrd_find(&rd, "big", &file), 0);
    CHECK_EQ(file.size, 5000);
    CHECK(file.data[0] == 'x' && file.data[4999] == 'x');
    CHECK_EQ(initrd_find(&rd, "link", &file), -ENOENT);

    snprintf(command, sizeof(command), "%s/plain.tar", dir);   /* names without "./" */
    f = fopen(command, "rb");
    CHECK(f != NULL);
    size = fread(bytes, 1, sizeof(bytes), f);
    fclose(f);
    CHECK_EQ(open_copy(bytes, size), 0);
    CHECK_EQ(rd.files, 2);
    size_t cursor = 0;
    CHECK_EQ(initrd_next(&rd, &cursor, &file), 1);
    CHECK_STR(file.name, "bin/hello");
    CHECK_EQ(initrd_next(&rd, &cursor, &file), 1);
    CHECK_STR(file.name, "big");

    snprintf(command, sizeof(command), "rm -rf %s", dir);
    CHECK_EQ(system(command), 0);
}
