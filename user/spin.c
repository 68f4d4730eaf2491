/*
 * spin.c - a program that never makes a syscall: only the timer interrupt can take the
 * CPU back, so it shows preemption of user code and killing it with Ctrl+C.
 * Expected: "spin: looping forever (Ctrl+C stops me)\n", then the shell stays usable.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    print("spin: looping forever (Ctrl+C stops me)\n");
    /* A counter rather than an empty loop, so GDB or a fault report shows it moving. */
    volatile unsigned long spins = 0;
    for (;;)
        spins++;
}
