/*
 * exitwith.c - `exitwith CODE`: exit with CODE, a decimal that may be negative (default
 * 0). The kernel reports a non-zero code as "[pid N] exited with code CODE", -1 included,
 * which is also what a killed program's joiner sees: the report tells the two apart.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    const char *s = argc > 1 ? argv[1] : "0";
    int sign = 1, code = 0;
    if (*s == '-') {
        sign = -1;
        s++;
    }
    for (; *s >= '0' && *s <= '9' && code < 100000000; s++)
        code = code * 10 + (*s - '0');
    return sign * code;
}
