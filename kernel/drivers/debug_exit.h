/*
 * debug_exit.h - QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4):
 * a write of V makes QEMU exit with status (V << 1) | 1. Test kernels use it to report
 * pass or fail; on real hardware (or without the device) the write does nothing and
 * debug_exit() halts instead.
 */
#ifndef LOCKSTEP_DRIVERS_DEBUG_EXIT_H
#define LOCKSTEP_DRIVERS_DEBUG_EXIT_H

#include "compiler.h"

#define DEBUG_EXIT_PORT    0xf4
#define DEBUG_EXIT_SUCCESS 0x10   /* QEMU exit status 33 */
#define DEBUG_EXIT_FAILURE 0x11   /* QEMU exit status 35 */

__noreturn void debug_exit(uint8_t value);

#endif
