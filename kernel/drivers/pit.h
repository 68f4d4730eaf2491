/*
 * pit.h - the Intel 8253/8254 programmable interval timer: channel 0 drives IRQ 0 and
 * the kernel tick. The tick is the kernel's unit of time: PIT_HZ ticks per second.
 */
#ifndef LOCKSTEP_DRIVERS_PIT_H
#define LOCKSTEP_DRIVERS_PIT_H

#include "compiler.h"

#define PIT_INPUT_HZ  1193182u                          /* the PIT's crystal / 12 */
#define PIT_HZ        100u                              /* ticks per second */
#define PIT_DIVISOR   ((PIT_INPUT_HZ + PIT_HZ / 2) / PIT_HZ)   /* 11932: 99.998 Hz */
#define PIT_IRQ       0

/* Program channel 0 as a rate generator at PIT_HZ and attach the tick handler.
 * Returns 0 or irq_register's error. IRQs off. */
int pit_init(void);

/* Ticks since pit_init. IRQ-safe; never blocks. */
uint64_t pit_ticks(void);

/* Call `hook(now)` from the timer interrupt after each tick (the timer queue's expiry).
 * IRQs off; call once. */
void pit_set_tick_hook(void (*hook)(uint64_t now));

/* The tick counter itself, for the trace ring to stamp records with. */
const volatile uint64_t *pit_clock(void);

/* Current count of channel `channel` (0-2), latched. For tests and calibration. */
uint16_t pit_read_count(unsigned channel);

/* Start channel 2 counting down `count` input clocks once (mode 0, gate on, speaker
 * off), and tell whether it has finished. For tests and calibration. */
void pit_oneshot_start(uint16_t count);
bool pit_oneshot_done(void);

#endif
