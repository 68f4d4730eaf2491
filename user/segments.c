/*
 * segments.c - `segments [set|keep]`: the data segment selectors (ds, es, fs, gs) a
 * program sees, which must be its own. 64-bit mode ignores them, but a program can load
 * and read them, and neither sysretq nor iretq resets them, so the kernel keeps them per
 * program (struct user_segments, kernel/arch/x86_64/user.h).
 *   segments       exit 0 if all four are null, as a new program's are; otherwise
 *                  "segments: ds 0x1b es 0x1b fs 0x1b gs 0x1b, not null" and exit 1
 *   segments set   load the user data selector (0x1b) into all four and exit 0,
 *                  leaving them for the next program, which must not see them
 *   segments keep  load 0x1b, wait for a line on stdin (other programs may run
 *                  meanwhile), then exit 0 if all four still hold 0x1b, else say so, 1
 * Anything else: a usage line on fd 2, exit 2. tests/ktest/test_user.c runs all three.
 */
#include "ulib.h"

#define USER_DATA_SELECTOR 0x1b        /* GDT_USER_DATA | RPL 3 (layout.h) */

struct selectors {
    unsigned short ds, es, fs, gs;
};

static struct selectors read_selectors(void)
{
    struct selectors s;
    __asm__ volatile("mov %%ds, %0\n\tmov %%es, %1\n\tmov %%fs, %2\n\tmov %%gs, %3"
                     : "=r"(s.ds), "=r"(s.es), "=r"(s.fs), "=r"(s.gs));
    return s;
}

static void load_selectors(unsigned short selector)
{
    __asm__ volatile("mov %0, %%ds\n\tmov %0, %%es\n\tmov %0, %%fs\n\tmov %0, %%gs"
                     : : "r"(selector) : "memory");
}

/* 0 if all four hold `expected`; otherwise print them and return 1. Not inlined:
 * tests/gdb stops here, in ring 3, to read the selectors. */
static __attribute__((noinline)) int check(unsigned short expected, const char *what)
{
    struct selectors s = read_selectors();
    if (s.ds == expected && s.es == expected && s.fs == expected && s.gs == expected)
        return 0;
    printf("segments: ds 0x%x es 0x%x fs 0x%x gs 0x%x, not %s\n", s.ds, s.es, s.fs, s.gs,
           what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return check(0, "null");
    if (strcmp(argv[1], "set") == 0) {
        load_selectors(USER_DATA_SELECTOR);
        return check(USER_DATA_SELECTOR, "0x1b as loaded");
    }
    if (strcmp(argv[1], "keep") == 0) {
        char line[64];
        load_selectors(USER_DATA_SELECTOR);
        sys_read(0, line, sizeof(line));
        return check(USER_DATA_SELECTOR, "0x1b as loaded before the read");
    }
    dprintf(2, "segments: usage: segments [set|keep]\n");
    return 2;
}
