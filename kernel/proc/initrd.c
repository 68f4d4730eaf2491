/*
 * initrd.c - the ustar reader behind initrd.h. Called at boot with the module GRUB
 * loaded (and by tests/unit/test_initrd.c with hostile archives). Follows POSIX.1-2017
 * XCU pax, "ustar Interchange Format"; the checksum rules are GNU tar's (list.c).
 * Key invariant: a header is looked at only when all 512 of its bytes lie inside the
 * archive, and data only when it does, so no field can make a read go out of bounds.
 *
 *   offset 0      512          512 + size rounded up to 512
 *   | header  | data ... |pad | header | data |pad | 0 * 512 | 0 * 512 | (ignored)
 *   `- name, size (octal), checksum, typeflag      `- end of archive
 */
#include "initrd.h"
#include "errno.h"

#define BLOCK_SIZE 512

/* POSIX.1-2017 XCU pax, "ustar Interchange Format", the ustar header block. Every field
 * is characters, so the struct has alignment 1 and overlays any byte of the archive. */
struct ustar_header {
    char name[100];
    char mode[8];
    char uid[8];
    char gid[8];
    char size[12];                        /* octal */
    char mtime[12];
    char checksum[8];                     /* octal; counted as 8 spaces when summing */
    char typeflag;
    char linkname[100];
    char magic[6];                        /* "ustar\0" ("ustar " + " \0": GNU format) */
    char version[2];                      /* "00" */
    char uname[32];
    char gname[32];
    char devmajor[8];
    char devminor[8];
    char prefix[155];                     /* the name is prefix "/" name if this is set */
    char pad[12];
};
ASSERT_SIZE(struct ustar_header, BLOCK_SIZE);
ASSERT_OFFSET(struct ustar_header, size, 124);
ASSERT_OFFSET(struct ustar_header, checksum, 148);
ASSERT_OFFSET(struct ustar_header, typeflag, 156);
ASSERT_OFFSET(struct ustar_header, magic, 257);
ASSERT_OFFSET(struct ustar_header, prefix, 345);
STATIC_ASSERT(SIZE_MAX >> 36 != 0, "a 12-digit octal size fits in size_t");

/* typeflag values (POSIX: REGTYPE, AREGTYPE, LNKTYPE .. FIFOTYPE; pax and GNU extensions). */
#define TYPE_REGULAR      '0'
#define TYPE_OLD_REGULAR  '\0'
#define TYPE_HARD_LINK    '1'             /* '1'..'6': no data blocks follow the header */
#define TYPE_FIFO         '6'
#define TYPE_PAX_FILE     'x'
#define TYPE_PAX_GLOBAL   'g'
#define TYPE_GNU_LONGNAME 'L'
#define TYPE_GNU_LONGLINK 'K'

/* One header, checked: where its data is and where the next header starts. */
struct entry {
    const struct ustar_header *header;
    bool end;                             /* a zero block: the header is not one */
    size_t data;                          /* offset of the data */
    size_t size;                          /* bytes of data (0 for '1'..'6') */
    size_t next;                          /* offset of the next header */
};

#define FAIL(why) do { *error = (why); return -EINVAL; } while (0)

static bool is_zero_block(const uint8_t *block)
{
    for (size_t i = 0; i < BLOCK_SIZE; i++) {
        if (block[i])
            return false;
    }
    return true;
}

static bool is_regular(const struct ustar_header *h)
{
    return h->typeflag == TYPE_REGULAR || h->typeflag == TYPE_OLD_REGULAR;
}

/* An octal number in a `width`-byte field: optional leading spaces, at least one digit,
 * then a NUL or a space, or the end of the field. At most 12 digits: no overflow. */
static int parse_octal(const char *field, size_t width, uint64_t *value)
{
    size_t i = 0;
    while (i < width && field[i] == ' ')
        i++;
    size_t first = i;
    uint64_t v = 0;
    for (; i < width && field[i] >= '0' && field[i] <= '7'; i++)
        v = v << 3 | (uint64_t)(field[i] - '0');
    if (i == first || (i < width && field[i] != '\0' && field[i] != ' '))
        return -EINVAL;
    *value = v;
    return 0;
}

/* GNU tar accepts either: the sum of the bytes as unsigned (POSIX) or as signed char
 * (historic Unix and Sun tar), with the checksum field itself counted as spaces. */
static bool checksum_matches(const uint8_t *block, uint64_t stored)
{
    const size_t field = offsetof(struct ustar_header, checksum);
    uint64_t unsigned_sum = 0;
    int64_t signed_sum = 0;
    for (size_t i = 0; i < BLOCK_SIZE; i++) {
        uint8_t byte = (i >= field && i < field + 8) ? ' ' : block[i];
        unsigned_sum += byte;
        signed_sum += (int8_t)byte;
    }
    return unsigned_sum == stored || (signed_sum >= 0 && (uint64_t)signed_sum == stored);
}

/* Check the header at `offset` (inside [0, size]) of an archive of `size` bytes. */
static int read_entry(const uint8_t *base, size_t size, size_t offset, struct entry *e,
                      const char **error)
{
    if (offset > size || size - offset < BLOCK_SIZE)
        FAIL("archive ends inside a 512-byte block");
    const uint8_t *block = base + offset;
    const struct ustar_header *h = (const void *)block;
    e->header = h;
    e->end = is_zero_block(block);
    if (e->end)
        return 0;

    static const char ustar[6] = "ustar";   /* with its NUL */
    for (size_t i = 0; i < 5; i++) {
        if (h->magic[i] != ustar[i])
            FAIL("header magic is not \"ustar\" (not a ustar archive)");
    }
    if (h->magic[5] == ' ')
        FAIL("GNU tar header (magic \"ustar \"): build the archive with --format=ustar");
    if (h->magic[5] != '\0')
        FAIL("header magic is not \"ustar\" (not a ustar archive)");
    uint64_t stored, size_field;
    if (parse_octal(h->checksum, sizeof(h->checksum), &stored))
        FAIL("header checksum field is not octal");
    if (!checksum_matches(block, stored))
        FAIL("header checksum mismatch");
    if (parse_octal(h->size, sizeof(h->size), &size_field))
        FAIL("header size field is not octal");
    if (h->typeflag == TYPE_PAX_FILE || h->typeflag == TYPE_PAX_GLOBAL)
        FAIL("pax extended header: build the archive with --format=ustar");
    if (h->typeflag == TYPE_GNU_LONGNAME || h->typeflag == TYPE_GNU_LONGLINK)
        FAIL("GNU long name header: build the archive with --format=ustar");

    /* POSIX: links, devices, directories and FIFOs store no data, whatever their size
     * field says; every other type, unknown ones included, is followed by its data. */
    bool has_data = h->typeflag < TYPE_HARD_LINK || h->typeflag > TYPE_FIFO;
    e->data = offset + BLOCK_SIZE;
    e->size = has_data ? (size_t)size_field : 0;
    if (e->size > size - e->data)
        FAIL("file data runs past the end of the archive");
    size_t padded = e->size + (BLOCK_SIZE - e->size % BLOCK_SIZE) % BLOCK_SIZE;
    if (padded > size - e->data)
        FAIL("archive ends inside the last 512-byte block of a file's data");
    e->next = e->data + padded;
    return 0;
}

/* Length of a field that is NUL-terminated unless it fills all `width` bytes. */
static size_t field_length(const char *field, size_t width)
{
    size_t n = 0;
    while (n < width && field[n])
        n++;
    return n;
}

/* Character i of the entry's full name: prefix "/" name (the slash only with a prefix). */
static char name_char(const struct ustar_header *h, size_t prefix_length, size_t slash,
                      size_t i)
{
    if (i < prefix_length)
        return h->prefix[i];
    if (i < prefix_length + slash)
        return '/';
    return h->name[i - prefix_length - slash];
}

/* Write the entry's name (prefix "/" name, less every leading "./": "././x" is "x") to
 * `name`. Returns 0, or -EINVAL if it needs more than INITRD_NAME_MAX - 1 characters. */
static int build_name(const struct ustar_header *h, char name[INITRD_NAME_MAX])
{
    size_t prefix_length = field_length(h->prefix, sizeof(h->prefix));
    size_t name_length = field_length(h->name, sizeof(h->name));
    size_t slash = prefix_length ? 1 : 0;
    size_t total = prefix_length + slash + name_length;   /* at most 256 */
    size_t skip = 0;
    while (total - skip >= 2 && name_char(h, prefix_length, slash, skip) == '.' &&
           name_char(h, prefix_length, slash, skip + 1) == '/')
        skip += 2;                              /* (prefix "." + "/" counts as one too) */
    if (total - skip > INITRD_NAME_MAX - 1)
        return -EINVAL;
    size_t n = 0;
    for (size_t i = skip; i < total; i++)
        name[n++] = name_char(h, prefix_length, slash, i);
    name[n] = '\0';
    return 0;
}

int initrd_open(struct initrd *rd, const void *base, size_t size, const char **error,
                size_t *error_offset)
{
    const uint8_t *bytes = base;
    rd->base = bytes;
    rd->size = 0;
    rd->files = 0;

    size_t offset = 0, files = 0;
    const char *why = NULL;
    while (offset < size) {
        struct entry e;
        char name[INITRD_NAME_MAX];
        if (read_entry(bytes, size, offset, &e, &why))
            goto fail;
        if (e.end) {
            /* Two zero blocks end the archive, and so does the module's end after one;
             * a zero block followed by anything else is damage, not the end. */
            size_t after = offset + BLOCK_SIZE;
            if (after == size)
                break;
            if (size - after < BLOCK_SIZE) {
                offset = after;
                why = "archive ends inside a 512-byte block";
                goto fail;
            }
            if (!is_zero_block(bytes + after)) {
                why = "a single zero block inside the archive (the end needs two)";
                goto fail;
            }
            break;
        }
        if (build_name(e.header, name)) {
            why = "name longer than 99 characters (INITRD_NAME_MAX - 1)";
            goto fail;
        }
        if (is_regular(e.header)) {
            if (name[0] == '\0') {
                why = "regular file with an empty name";
                goto fail;
            }
            files++;
        }
        offset = e.next;
    }
    rd->size = offset;
    rd->files = files;
    return 0;

fail:
    *error = why;
    *error_offset = offset;
    return -EINVAL;
}

/* The next regular file at or after *cursor, with *cursor advanced past it. */
static bool next_regular(const struct initrd *rd, size_t *cursor, struct entry *e)
{
    while (*cursor < rd->size) {
        const char *why;
        if (read_entry(rd->base, rd->size, *cursor, e, &why) || e->end)
            return false;                 /* only with a cursor initrd_next did not make */
        *cursor = e->next;
        if (is_regular(e->header))
            return true;
    }
    return false;
}

int initrd_next(const struct initrd *rd, size_t *cursor, struct initrd_file *out)
{
    struct entry e;
    /* build_name writes nothing when it fails (never, once initrd_open accepted it). */
    if (!next_regular(rd, cursor, &e) || build_name(e.header, out->name))
        return 0;
    out->data = rd->base + e.data;
    out->size = e.size;
    return 1;
}

static bool names_equal(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

int initrd_find(const struct initrd *rd, const char *name, struct initrd_file *out)
{
    struct entry e, found;
    size_t cursor = 0;
    bool any = false;
    while (next_regular(rd, &cursor, &e)) {
        char candidate[INITRD_NAME_MAX];
        if (build_name(e.header, candidate) == 0 && names_equal(candidate, name)) {
            found = e;                    /* keep looking: the later file wins */
            any = true;
        }
    }
    if (!any || build_name(found.header, out->name))
        return -ENOENT;
    out->data = rd->base + found.data;
    out->size = found.size;
    return 0;
}
