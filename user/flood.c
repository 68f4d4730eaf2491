/*
 * flood.c - `flood [KIB]`: one write() of KIB KiB of text (1 to 2048, default 256; any
 * other KIB is an error on fd 2, exit 2).
 * The kernel writes it a page per poll of this program's task and lets the other tasks
 * run in between (kernel/syscall/handlers.c, sys_write), so the shell still answers
 * Ctrl+C while a long write lasts. Ends with "flood: write returned N" on stderr.
 */
#include "ulib.h"

#define KIB_MAX 2048
static char text[KIB_MAX * 1024];      /* .bss: mapped zero, filled below */

int main(int argc, char **argv)
{
    long kib = argc > 1 ? number_argument("flood", "KIB", argv[1], 1, KIB_MAX) : 256;
    unsigned long len = (unsigned long)kib * 1024;
    for (unsigned long i = 0; i < len; i++)      /* lines of 64: 63 letters and '\n' */
        text[i] = i % 64 == 63 ? '\n' : (char)('a' + (i / 64) % 26);
    long written = sys_write(1, text, len);
    dprintf(2, "flood: write returned %ld\n", written);
    return 0;
}
