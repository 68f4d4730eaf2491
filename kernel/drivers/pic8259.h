/*
 * pic8259.h - the two cascaded Intel 8259A interrupt controllers of the PC.
 * pic_init() remaps IRQ 0-7 to vectors 32-39 and IRQ 8-15 to 40-47 (away from the CPU
 * exceptions), masks every line but the cascade, and installs itself as the
 * irq_controller; irq_register() unmasks lines as handlers appear.
 */
#ifndef LOCKSTEP_DRIVERS_PIC8259_H
#define LOCKSTEP_DRIVERS_PIC8259_H

#include "compiler.h"

/* Remap, mask and install. Call once with IRQs off. Cannot fail. */
void pic_init(void);

/* The in-service register of both chips (bit n: IRQ n being serviced). */
uint16_t pic_read_isr(void);

#endif
