/*
 * echo.c - prints its arguments, showing that the kernel's argv reached main.
 * `echo a b c` prints "a b c\n"; `echo` alone prints "\n". One write per word and
 * separator: the point is argv, not speed.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (i > 1)
            print(" ");
        print(argv[i]);
    }
    print("\n");
    return 0;
}
