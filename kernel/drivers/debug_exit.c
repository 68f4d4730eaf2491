/*
 * debug_exit.c - leave QEMU through isa-debug-exit (debug_exit.h).
 */
#include "debug_exit.h"
#include "cpu.h"
#include "panic.h"

void debug_exit(uint8_t value)
{
    outl(DEBUG_EXIT_PORT, value);
    arch_halt();                  /* no such device: stop here */
}
