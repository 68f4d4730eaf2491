/*
 * badsys.c - a syscall number outside the table: the kernel must return -ENOSYS and let
 * the program go on. Expected output, exit code 0 (1 if the result was anything else):
 *   badsys: syscall 1000 = -38 (ENOSYS)
 */
#include "ulib.h"

#define BAD_SYSCALL 1000

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    long result = syscall_raw(BAD_SYSCALL, 0, 0, 0);
    printf("badsys: syscall %d = %ld (%s)\n", BAD_SYSCALL, result, errno_name(result));
    return result == -ENOSYS ? 0 : 1;
}
