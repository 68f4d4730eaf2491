/*
 * nullptr.c - a user page fault: reads address 0, which is never mapped (the first 4 MiB
 * of user space stay empty). Expected: "nullptr: reading address 0\n", then the kernel's
 * page-fault report and the program killed, the kernel and shell still running.
 * Exit code 1 if the read ever succeeds.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    print("nullptr: reading address 0\n");
    /* volatile: the load must happen, and gcc may not treat it as undefined and drop it. */
    volatile int *volatile p = NULL;
    int value = *p;
    printf("nullptr: read %d from address 0: the kernel did not stop me\n", value);
    return 1;
}
