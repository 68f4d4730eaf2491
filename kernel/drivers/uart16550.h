/*
 * uart16550.h - 16550 UART driver (COM ports). Polled transmit; interrupt-driven receive
 * into a small per-port ring that uart_read_byte() drains.
 *
 * Port map (one source: this header; docs/architecture.md shows it):
 *   COM1 0x3f8 IRQ 4  console (kprintf, shell input)
 *   COM2 0x2f8 IRQ 3  trace stream
 *   COM3 0x3e8 IRQ 5  GDB remote protocol (QEMU wires it to IRQ 5: tools/qemu.py)
 */
#ifndef LOCKSTEP_DRIVERS_UART16550_H
#define LOCKSTEP_DRIVERS_UART16550_H

#include "compiler.h"
#include "kprintf.h"

#define COM1_BASE 0x3f8
#define COM2_BASE 0x2f8
#define COM3_BASE 0x3e8
#define COM1_IRQ  4
#define COM2_IRQ  3
#define COM3_IRQ  5                 /* not the PC default (4, shared with COM1) */

#define UART_RX_RING 256            /* power of two */

struct uart {
    uint16_t base;
    bool present;                   /* loopback test passed at init */
    struct console console;         /* registered by uart_console_init */
    /* Receive ring: head advanced only by the IRQ handler, tail only by the reader. */
    uint8_t rx[UART_RX_RING];
    volatile uint32_t rx_head;
    volatile uint32_t rx_tail;
    volatile uint64_t rx_dropped;   /* bytes lost because the ring was full (IRQ adds) */
    /* A gap: bytes were lost at the ring's head. The IRQ handler sets it and then stores
     * nothing more; uart_read_gap clears it once the reader has taken every byte before
     * it (IRQs off), so a gap's place in the stream is always the end of the ring. */
    volatile bool rx_gap;
    volatile uint8_t rx_lost_last;  /* the last byte lost (IRQ context writes it) */
    uint64_t rx_reported;           /* rx_dropped at the last gap reported (reader only) */
    /* Called in IRQ context after received bytes were stored (e.g. to wake a task). */
    void (*on_receive)(struct uart *uart);
};

/* Program 115200 8N1 with FIFOs; check the chip with a loopback test. Returns 0, or
 * -EIO if no UART answers at `base` (the port is then left unused). IRQs off. */
int uart_init(struct uart *uart, uint16_t base);

/* Polled write of one byte (waits for the transmit holding register, bounded). */
void uart_putc(struct uart *uart, uint8_t byte);
/* Write text, turning "\n" into "\r\n" for terminals. */
void uart_write_text(struct uart *uart, const char *text, size_t len);

/* Write raw bytes (no newline translation): a byte sink for binary streams, with the
 * struct uart as `ctx`. */
void uart_write_bytes(const void *bytes, size_t len, void *uart);

/* Register `uart` as a kprintf console. Returns 0 or kprintf's error. */
int uart_console_init(struct uart *uart);

/* Enable the receive interrupt on `irq` (IRQs off). Returns 0 or irq_register's error. */
int uart_enable_rx_irq(struct uart *uart, unsigned irq);

/* Polled receive, for a debugger talking while the kernel is stopped: returns true and
 * the byte if one is waiting in the UART itself (the ring is not used). IRQ-safe. */
bool uart_poll_byte(struct uart *uart, uint8_t *byte);

/* Turn the receive interrupt on or off at the UART (the IRQ line is the caller's). */
void uart_set_rx_interrupt(struct uart *uart, bool on);

/* Set the receive FIFO's trigger level: the interrupt waits for `bytes` received bytes
 * (rounded down to 1, 4, 8 or 14; uart_init sets 1) or for a pause in the input.
 * The FIFO's contents are kept. Cannot fail; IRQ-safe. */
void uart_set_rx_trigger(struct uart *uart, unsigned bytes);

/* Take one received byte. Returns true and stores it, or false if the ring is empty.
 * Never blocks; single reader. */
bool uart_read_byte(struct uart *uart, uint8_t *byte);

/* Once the reader has taken every byte before a gap (uart_read_byte returned false):
 * true, with how many bytes were lost there and the last of them, and bytes are stored
 * again from then on. False if there is no gap to report yet. Never blocks; the same
 * single reader as uart_read_byte. */
bool uart_read_gap(struct uart *uart, uint64_t *lost, uint8_t *last_lost);

/* The three ports (port map above): COM1 the console, initialised first thing in kmain;
 * COM2 the trace stream; COM3 the GDB stub. */
extern struct uart com1, com2, com3;

#endif
