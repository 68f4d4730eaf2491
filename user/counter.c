/*
 * counter.c - `counter [N]`: N lines 100 ms apart (N defaults to 5, clamped to 1..100),
 * showing sleep_ms suspending only this program while the shell and others run on:
 *   counter: 1 of 5 (uptime 1230 ms)
 *   counter: 2 of 5 (uptime 1330 ms)   ... and so on to 5 of 5.
 */
#include "ulib.h"

/* Decimal digits of `s`; stops at the first non-digit, saturates at 1000. */
static int parse_count(const char *s)
{
    int n = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        n = n * 10 + (*s - '0');
        if (n > 1000)
            return 1000;
    }
    return n;
}

int main(int argc, char **argv)
{
    int count = argc > 1 ? parse_count(argv[1]) : 5;
    if (count < 1)
        count = 1;
    if (count > 100)
        count = 100;
    for (int i = 1; i <= count; i++) {
        printf("counter: %d of %d (uptime %ld ms)\n", i, count, sys_uptime());
        sys_sleep_ms(100);
    }
    return 0;
}
