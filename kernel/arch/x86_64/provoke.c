/*
 * provoke.c - CPU exceptions on purpose (provoke.h).
 */
#include "provoke.h"

__noinline int provoke_divide(volatile int a, volatile int b)
{
    return a / b;
}

__noinline uint64_t provoke_recursion(uint64_t depth)
{
    volatile uint8_t pad[256];
    pad[0] = (uint8_t)depth;
    if (depth == UINT64_MAX)
        return 0;
    return provoke_recursion(depth + 1) + pad[0];
}
