/*
 * exitwith.c - `exitwith CODE`: exit with CODE, a decimal that may be negative, within
 * the 32 bits of an exit code (default 0). The kernel reports a non-zero code as
 * "[pid N] exited with code CODE", -1 included, which is also what a killed program's
 * joiner sees: the report tells the two apart. Any other CODE: an error on fd 2, exit 2.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    if (argc < 2)
        return 0;
    return (int)number_argument("exitwith", "CODE", argv[1], -2147483647 - 1, 2147483647);
}
