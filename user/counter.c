/*
 * counter.c - `counter [N]`: N lines 100 ms apart (N from 1 to 100, default 5), showing
 * sleep_ms suspending only this program while the shell and others run on:
 *   counter: 1 of 5 (uptime 1230 ms)
 *   counter: 2 of 5 (uptime 1330 ms)   ... and so on to 5 of 5.
 * Any other N: "counter: N must be a whole number from 1 to 100, not ..." on fd 2, exit 2.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    long count = argc > 1 ? number_argument("counter", "N", argv[1], 1, 100) : 5;
    for (long i = 1; i <= count; i++) {
        printf("counter: %ld of %ld (uptime %ld ms)\n", i, count, sys_uptime());
        sys_sleep_ms(100);
    }
    return 0;
}
