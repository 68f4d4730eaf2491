/*
 * hello.c - the first user program: one getpid and one write syscall, then exit(0)
 * through _start. Expected output (N is this program's pid):
 *   Hello from user space! I am pid N.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("Hello from user space! I am pid %ld.\n", sys_getpid());
    return 0;
}
