/*
 * flood.c - `flood [KIB]`: one write() of KIB KiB of text (default 256, at most 2048).
 * The kernel writes it a page per poll of this program's task and lets the other tasks
 * run in between (kernel/syscall/handlers.c, sys_write), so the shell still answers
 * Ctrl+C while a long write lasts. Ends with "flood: write returned N" on stderr.
 */
#include "ulib.h"

#define KIB_MAX 2048
static char text[KIB_MAX * 1024];      /* .bss: mapped zero, filled below */

int main(int argc, char **argv)
{
    long kib = 256;
    if (argc > 1) {
        kib = 0;
        for (const char *s = argv[1]; *s >= '0' && *s <= '9' && kib <= KIB_MAX; s++)
            kib = kib * 10 + (*s - '0');
    }
    if (kib < 1 || kib > KIB_MAX) {
        dprintf(2, "flood: KIB must be 1 to %d\n", KIB_MAX);
        return 2;
    }
    unsigned long len = (unsigned long)kib * 1024;
    for (unsigned long i = 0; i < len; i++)      /* lines of 64: 63 letters and '\n' */
        text[i] = i % 64 == 63 ? '\n' : (char)('a' + (i / 64) % 26);
    long written = sys_write(1, text, len);
    dprintf(2, "flood: write returned %ld\n", written);
    return 0;
}
