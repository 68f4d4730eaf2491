/*
 * keys.c - reads console lines with read(0): each read suspends only this program until
 * a line is typed. Prints "keys: type a line (\"quit\" to stop)\n", then for each line
 * "keys: got N bytes: LINE" (LINE as read, with its '\n'), and stops after "quit", at
 * end of input (read returns 0) or on an error.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char buf[128];
    print("keys: type a line (\"quit\" to stop)\n");
    for (;;) {
        long n = sys_read(0, buf, sizeof(buf) - 1);
        if (n <= 0)
            break;
        buf[n] = '\0';          /* the -1 above keeps room for it */
        printf("keys: got %ld bytes: %s", n, buf);
        if (strcmp(buf, "quit\n") == 0)
            break;
    }
    return 0;
}
