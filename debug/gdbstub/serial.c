/*
 * serial.c - the GDB stub's byte link: COM3 (0x3e8, IRQ 5 as tools/qemu.py wires it).
 * While the kernel is stopped, interrupts are off and the stub polls the UART directly,
 * sleeping in irq_wait (no handler runs, nothing is traced) when GDB is slow to send;
 * while it runs, the receive interrupt watches for GDB's Ctrl-C (0x03) and for the '$'
 * of a GDB connecting, and breaks in.
 * The receive FIFO's trigger level is 14 while stopped (1 while asleep) and 1 while
 * running: see gdbstub_serial_stopped and com3_getc for why.
 */
#include "gdbstub_internal.h"
#include "cpu.h"
#include "irq.h"
#include "uart16550.h"

/* Status polls before com3_getc sleeps: about 70 us under QEMU (one poll with its pause
 * takes about 70 ns), so the rest of a packet, and GDB's quick replies, are polled for. */
#define POLLS_BEFORE_SLEEP 1000

/*
 * GDB's next byte. Spinning on the line status answers fastest, but under QEMU it keeps a
 * host CPU busy, and GDB and QEMU's I/O thread (which moves GDB's bytes into the FIFO)
 * must then wait for the other one. With one busy background process on a 2-core host,
 * a stepi took 5.6 ms spinning, 3.4 ms sleeping after 70 us, 1.7 ms sleeping at once;
 * on an idle host, sleeping at once took 3 ms instead of 0.9 (waking an idle host CPU
 * is slow), while sleeping after 70 us costs nothing measurable. So when nothing comes
 * for a while the CPU sleeps in hlt until COM3's receive interrupt, with the trigger at
 * 1 byte so that the first byte wakes it. Inside a handler that holds IRQ 5 back (a stop
 * by Ctrl-C is one) irq_wait refuses and we keep polling.
 */
static int com3_getc(void *ctx)
{
    uint8_t byte;
    unsigned polls = 0;
    while (!uart_poll_byte(ctx, &byte)) {
        if (++polls < POLLS_BEFORE_SLEEP) {
            cpu_pause();
            continue;
        }
        polls = 0;
        uart_set_rx_trigger(ctx, 1);
        irq_wait(COM3_IRQ);                 /* -EBUSY: go on polling */
        uart_set_rx_trigger(ctx, 14);
    }
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
        gdbstub_interrupt(frame);           /* Ctrl-C */
    else if (input == (0x100 | '$'))
        gdbstub_connect(frame);             /* a packet: GDB connecting */
    /* anything else while running (acks, the rest of a packet): ignored */
}

static const struct irq_handler com3_handler = { .input = com3_input,
                                                 .handle = com3_interrupt };

/*
 * The trigger level only decides when the receive interrupt fires, and while stopped we
 * poll (com3_getc sets 1 around its sleeps), so on hardware 14 changes nothing then.
 * Under QEMU it sets the pace: its 16550 takes bytes from the chardev (GDB's socket) only
 * up to the trigger level minus what the FIFO holds (hw/char/serial.c,
 * serial_can_receive), one batch per pass of QEMU's main loop. At 1, every byte of a
 * packet costs a pass (about 30 us each, measured); at 14 a short packet arrives in one
 * or two. While running the trigger is 1 again, so Ctrl-C interrupts at once rather than
 * after the FIFO's timeout of four character times.
 */
void gdbstub_serial_stopped(bool stopped)
{
    uart_set_rx_trigger(&com3, stopped ? 14 : 1);
    /* While stopped, each batch of GDB's bytes reaching the trigger level raised IRQ 5,
     * which the interrupt controller latched with the CPU's interrupts off: drop that now,
     * or the kernel would take (and trace) a receive interrupt with no byte behind it as
     * soon as it runs, in some sessions and not others. */
    if (!stopped)
        irq_flush(COM3_IRQ);
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
