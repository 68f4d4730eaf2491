/*
 * kernelptr.c - hands the kernel a pointer into the kernel image (KERNEL_VMA + 1 MiB),
 * which a user program can name but not touch: each syscall must refuse it with -EFAULT
 * rather than read or write kernel memory on our behalf. Expected output, exit code 0:
 *   kernelptr: write(kernel address) = -14 (EFAULT)
 *   kernelptr: read(kernel address) = -14 (EFAULT)
 *   kernelptr: open(kernel address) = -14 (EFAULT)
 * Exit code 1 if any call returned something else. Needs readme.txt in the initrd.
 */
#include "ulib.h"

#define KERNEL_IMAGE_ADDRESS 0xffffffff80100000UL

static int failures;

static void report(const char *call, long result)
{
    printf("kernelptr: %s(kernel address) = %ld (%s)\n", call, result, errno_name(result));
    if (result != -EFAULT)
        failures++;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    void *kernel = (void *)KERNEL_IMAGE_ADDRESS;

    /* The kernel would read from the buffer. */
    report("write", sys_write(1, kernel, 16));

    /* The kernel would write into it: the dangerous direction. An initrd file rather
     * than fd 0, so that the test never waits for a typed line. */
    long fd = sys_open("readme.txt");
    if (fd < 0) {
        printf("kernelptr: open(\"readme.txt\") = %ld (%s)\n", fd, errno_name(fd));
        failures++;
    } else {
        report("read", sys_read((int)fd, kernel, 16));
        sys_close((int)fd);
    }

    /* The kernel would read a path string from it. */
    report("open", sys_open(kernel));
    return failures ? 1 : 0;
}
