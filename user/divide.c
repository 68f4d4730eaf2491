/*
 * divide.c - an integer division by zero in ring 3: `div` with a zero divisor raises #DE
 * (SDM Vol.2A DIV). Expected: "divide: dividing 1 by 0\n", then the kernel's report and
 * the program killed. Exit code 1 if the division ever completes.
 */
#include "ulib.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    unsigned long divisor = 0;
    unsigned long quotient = 1, remainder = 0;
    print("divide: dividing 1 by 0\n");
    /* The instruction itself: a compiler may turn 1 / x into a comparison. */
    __asm__ volatile("divq %2" : "+a"(quotient), "+d"(remainder) : "r"(divisor));
    printf("divide: 1 / 0 = %lu remainder %lu: the kernel did not stop me\n", quotient,
           remainder);
    return 1;
}
