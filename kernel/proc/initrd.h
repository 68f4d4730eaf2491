/*
 * initrd.h - a read-only reader for the POSIX ustar archive GRUB loads as a module (built
 * on the host with GNU tar --format=ustar). A pure parser: no allocation, no globals, no
 * kernel services; file data is returned in place, as pointers into the archive, so the
 * archive must stay mapped and unchanged for as long as a struct initrd or
 * struct initrd_file is in use. Host unit test: tests/unit/test_initrd.c.
 */
#ifndef LOCKSTEP_PROC_INITRD_H
#define LOCKSTEP_PROC_INITRD_H

#include "compiler.h"

#define INITRD_NAME_MAX 100        /* a file name, NUL included, fits in this */

struct initrd {
    const uint8_t *base;       /* the archive's first header */
    size_t size;               /* bytes up to the end-of-archive zero blocks (or all) */
    size_t files;              /* regular files in it */
};

struct initrd_file {
    char name[INITRD_NAME_MAX];    /* prefix "/" name, without a leading "./"; never empty */
    const uint8_t *data;           /* inside the archive; not NUL-terminated */
    size_t size;
};

/* Check the whole archive once: for every header the "ustar\0" magic, the checksum
 * (unsigned sum, or the historic signed sum), the octal size field, that its data lies
 * inside the archive and that its name fits INITRD_NAME_MAX; then the end: two zero
 * blocks (whatever follows them is ignored), or the end of the module after a header's
 * data or a zero block. A trailing partial block is an error, and so are pax ('x', 'g')
 * and GNU ('L', 'K') extension headers, which would change the names that follow.
 * Returns 0 with rd filled, or -EINVAL with *error a static one-line reason and
 * *error_offset the offset of the offending header (or partial block) in the archive;
 * rd is then an empty archive. *error and *error_offset are untouched on success.
 * An empty archive (size 0, or zero blocks only) is valid with 0 files; `base` may be
 * NULL when `size` is 0. Never reads outside [base, base + size); any alignment. */
int initrd_open(struct initrd *rd, const void *base, size_t size, const char **error,
                size_t *error_offset);

/* Iterate the regular files (typeflag '0' or NUL) in archive order, skipping directories
 * and every other entry: *cursor starts at 0 and is advanced past the file returned.
 * Returns 1 with *out filled, or 0 at the end (*out then untouched). A cursor that
 * initrd_next did not produce is the caller's bug, but still never reads out of bounds. */
int initrd_next(const struct initrd *rd, size_t *cursor, struct initrd_file *out);

/* Find a regular file by its exact name, as initrd_next spells it ("bin/hello", not
 * "./bin/hello" or "/bin/hello"). Returns 0 with *out filled, or -ENOENT (*out then
 * untouched). Of two files with the same name the later wins, as when tar extracts. */
int initrd_find(const struct initrd *rd, const char *name, struct initrd_file *out);

#endif
