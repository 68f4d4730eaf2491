/*
 * undefined.c - an undefined opcode in ring 3: `ud2` raises #UD (SDM Vol.2B UD).
 * Expected: "undefined: executing ud2\n", then the kernel's report and the program
 * killed. Exit code 1 if it ever gets past.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    print("undefined: executing ud2\n");
    __asm__ volatile("ud2" ::: "memory");
    print("undefined: ud2 executed: the kernel did not stop me\n");
    return 1;
}
