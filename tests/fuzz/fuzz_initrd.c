/*
 * fuzz_initrd.c - libFuzzer target for the ustar initrd reader (kernel/proc/initrd.c):
 * the input is the archive GRUB would load as a module. When initrd_open accepts it,
 * every file initrd_next lists must have a non-empty name that fits INITRD_NAME_MAX and
 * does not start with "./", and all its data inside the checked archive; their number must
 * be rd.files; initrd_find must return, for each name, its last file. The last two input
 * bytes also serve as a cursor initrd_next did not make, which may yield nothing useful
 * but must still stay inside the archive.
 */
#include "fuzz.h"
#include "errno.h"
#include "initrd.h"

#define MAX_FILES 64

/* Every file: its name is a string that fits, its data inside the archive. */
static void check_bounds(const struct initrd *rd, const struct initrd_file *f)
{
    FUZZ_CHECK(strnlen(f->name, sizeof(f->name)) < INITRD_NAME_MAX);
    FUZZ_CHECK(f->data >= rd->base && f->data <= rd->base + rd->size);
    FUZZ_CHECK(f->size <= (size_t)(rd->base + rd->size - f->data));
    if (f->size) {                             /* ASan: the bytes are really there */
        volatile uint8_t ends = f->data[0] ^ f->data[f->size - 1];
        (void)ends;
    }
}

/* A file initrd_next lists: also a name that is not empty and has no leading "./". */
static void check_file(const struct initrd *rd, const struct initrd_file *f)
{
    check_bounds(rd, f);
    FUZZ_CHECK(f->name[0] != '\0');
    FUZZ_CHECK(!(f->name[0] == '.' && f->name[1] == '/'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct initrd rd;
    const char *error = NULL;
    size_t error_offset = (size_t)-1;
    int rc = initrd_open(&rd, size ? data : NULL, size, &error, &error_offset);
    if (rc != 0) {
        FUZZ_CHECK(rc == -EINVAL && error != NULL && error[0] != '\0');
        FUZZ_CHECK(error_offset <= size);
        FUZZ_CHECK(rd.size == 0 && rd.files == 0);
        return 0;
    }
    FUZZ_CHECK(error == NULL && error_offset == (size_t)-1);   /* untouched on success */
    FUZZ_CHECK(rd.size <= size && rd.size % 512 == 0);

    static struct initrd_file files[MAX_FILES];
    size_t count = 0, cursor = 0;
    struct initrd_file f;
    while (initrd_next(&rd, &cursor, &f)) {
        check_file(&rd, &f);
        FUZZ_CHECK(cursor <= rd.size);
        if (count < MAX_FILES)
            files[count] = f;
        count++;
    }
    FUZZ_CHECK(count == rd.files);
    for (size_t i = 0; i < count && i < MAX_FILES; i++) {
        size_t last = i;                       /* the later of two same names wins */
        for (size_t j = i + 1; j < count && j < MAX_FILES; j++) {
            if (strcmp(files[j].name, files[i].name) == 0)
                last = j;
        }
        if (count > MAX_FILES)
            continue;                          /* a later one may be past the table */
        struct initrd_file found;
        FUZZ_CHECK(initrd_find(&rd, files[i].name, &found) == 0);
        FUZZ_CHECK(strcmp(found.name, files[i].name) == 0);
        FUZZ_CHECK(found.data == files[last].data && found.size == files[last].size);
    }
    FUZZ_CHECK(initrd_find(&rd, "no such file in any archive", &f) == -ENOENT);

    if (size >= 2) {                           /* a cursor initrd_next did not make */
        size_t wild = (size_t)data[size - 2] << 8 | data[size - 1];
        if (initrd_next(&rd, &wild, &f))
            check_bounds(&rd, &f);             /* (its name was never checked) */
    }
    return 0;
}
