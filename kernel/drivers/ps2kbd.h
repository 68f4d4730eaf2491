/*
 * ps2kbd.h - the keyboard port of the i8042 PS/2 controller: IRQ 1 delivers one byte of
 * scancode set 1 (the controller translates from the keyboard's set 2), which the
 * interrupt handler hands to a sink (the keyboard task's queue, kernel/async/keyboard.c).
 */
#ifndef LOCKSTEP_DRIVERS_PS2KBD_H
#define LOCKSTEP_DRIVERS_PS2KBD_H

#include "compiler.h"

#define PS2KBD_IRQ 1

/* Flush the controller, enable the keyboard port's interrupt and translation, and attach
 * the IRQ 1 handler, which calls sink(scancode, waker) for every byte. Returns 0, -EIO if
 * the controller does not answer, or irq_register's error. IRQs off. */
int ps2kbd_init(void (*sink)(uint8_t scancode, uint16_t waker));

/* Set the keyboard LEDs (bit 0 Scroll, 1 Num, 2 Caps Lock). The keyboard's two ACK
 * bytes arrive through the interrupt like scancodes. Task context; bounded waits. */
void ps2kbd_set_leds(uint8_t leds);

/* Pulse the CPU reset line through the controller (command 0xfe). Returns only if the
 * machine did not reset. */
void ps2kbd_reset_system(void);

#endif
