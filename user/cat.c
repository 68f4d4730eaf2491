/*
 * cat.c - `cat FILE...`: copies initrd files to the console with open, read, write and
 * close; small reads on purpose, so a file takes several read syscalls in a trace.
 * Errors: "cat: NAME: ENOENT\n" (the errno name of the failed call) on fd 2, exit 1,
 * after the files before it were printed. No arguments: "usage: cat FILE...\n", exit 2.
 */
#include "ulib.h"

#define CHUNK 128

/* Copies one file to fd 1. Returns 0, or the negated errno of the call that failed. */
static long cat_file(const char *name)
{
    char buf[CHUNK];
    long fd = sys_open(name);
    if (fd < 0)
        return fd;
    long result;
    while ((result = sys_read((int)fd, buf, sizeof(buf))) > 0) {
        long written = sys_write(1, buf, (unsigned long)result);
        if (written < 0) {
            result = written;
            break;
        }
    }
    sys_close((int)fd);
    return result;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        dprintf(2, "usage: cat FILE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        long result = cat_file(argv[i]);
        if (result < 0) {
            dprintf(2, "cat: %s: %s\n", argv[i], errno_name(result));
            return 1;
        }
    }
    return 0;
}
