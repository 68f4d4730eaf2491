/*
 * serial_input.h - bytes arriving on a UART (COM1's receive interrupt) as a future, so
 * that a task can wait for console input from the serial line as it waits for keys.
 */
#ifndef LOCKSTEP_ASYNC_SERIAL_INPUT_H
#define LOCKSTEP_ASYNC_SERIAL_INPUT_H

#include "uart16550.h"

/* Wake the reading task (recorded as coming from `waker`) whenever `uart` receives.
 * Call once, IRQs off. Cannot fail. */
void serial_input_init(struct uart *uart, uint16_t waker);

/* Future: the next received byte. True with *byte set; false after registering the
 * current task to be woken when one arrives. One reader at a time. Task context. */
bool serial_read_byte(uint8_t *byte);

/* After serial_read_byte returned false: true if the stream has a gap there (the
 * UART's ring was full), with the number of bytes lost and the last of them; their
 * line is damaged. Never blocks; the same reader. */
bool serial_read_gap(uint64_t *lost, uint8_t *last_lost);

#endif
