/*
 * privileged.c - a privileged instruction in ring 3: `cli` with IOPL 0 raises #GP
 * (SDM Vol.2A CLI). Expected: "privileged: executing cli in ring 3\n", then the kernel's
 * general-protection report and the program killed, interrupts still on.
 * Exit code 1 if cli ever executes.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    print("privileged: executing cli in ring 3\n");
    __asm__ volatile("cli" ::: "memory");
    print("privileged: cli executed: the kernel did not stop me\n");
    return 1;
}
