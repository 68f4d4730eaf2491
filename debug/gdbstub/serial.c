/*
 * serial.c - the GDB stub's byte link: COM3 (0x3e8, IRQ 5 as tools/qemu.py wires it).
 * While the kernel is stopped the stub polls the UART directly (interrupts are off);
 * while it runs, the receive interrupt watches for GDB's Ctrl-C (0x03) and breaks in.
 * The receive FIFO's trigger level is 14 while stopped and 1 while running (see
 * gdbstub_serial_stopped for why).
 */
#include "gdbstub.h"
#include "cpu.h"
#include "irq.h"
#include "trace.h"
#include "uart16550.h"

static int com3_getc(void *ctx)
{
    uint8_t byte;
    while (!uart_poll_byte(ctx, &byte))
        cpu_pause();
    return byte;
}

static void com3_putc(uint8_t byte, void *ctx)
{
    uart_putc(ctx, byte);
}

static const struct rsp_io com3_io = { .getc = com3_getc, .putc = com3_putc, .ctx = &com3 };

/* The input of a COM3 interrupt: the byte GDB sent while the kernel ran. */
static uint16_t com3_input(unsigned line)
{
    (void)line;
    uint8_t byte;
    return uart_poll_byte(&com3, &byte) ? (uint16_t)(0x100 | byte) : 0;
}

static void com3_interrupt(unsigned line, uint16_t input, struct trap_frame *frame)
{
    (void)line;
    if (input == (0x100 | 0x03))
        gdbstub_interrupt(frame);           /* anything else while running: ignored */
}

static const struct irq_handler com3_handler = { .input = com3_input,
                                                 .handle = com3_interrupt };

/*
 * The trigger level only decides when the receive interrupt fires, and while stopped we
 * poll, so on hardware it changes nothing then. Under QEMU it sets the pace: its 16550
 * takes bytes from the chardev (GDB's socket) only up to the trigger level minus what the
 * FIFO holds (hw/char/serial.c, serial_can_receive), one batch per pass of QEMU's main
 * loop. At 1, every byte of a packet costs a pass (about 30 us each, measured); at 14 a
 * short packet arrives in one or two. While running the trigger is 1 again, so Ctrl-C
 * interrupts at once rather than after the FIFO's timeout of four character times.
 */
void gdbstub_serial_stopped(bool stopped)
{
    uart_set_rx_trigger(&com3, stopped ? 14 : 1);
}

const struct rsp_io *gdbstub_serial_init(void)
{
    if (uart_init(&com3, COM3_BASE) != 0)
        return NULL;
    if (irq_register(COM3_IRQ, &com3_handler) != 0)
        return NULL;
    uart_set_rx_interrupt(&com3, true);
    return &com3_io;
}
