/*
 * uart16550.c - National Semiconductor 16550A UART (PC16550D datasheet; QEMU's serial).
 * QEMU does not pace output to the baud rate, so the transmit wait below almost never
 * spins there; on hardware it is bounded so a dead port cannot hang the kernel.
 */
#include "uart16550.h"
#include "cpu.h"
#include "errno.h"
#include "irq.h"

enum uart_register {
    UART_DATA = 0,           /* RBR (read) / THR (write); divisor low with DLAB */
    UART_IER = 1,            /* interrupt enable; divisor high with DLAB */
    UART_FCR = 2,            /* FIFO control (write) / IIR (read) */
    UART_LCR = 3,            /* line control */
    UART_MCR = 4,            /* modem control */
    UART_LSR = 5,            /* line status */
};

#define IER_RX_AVAILABLE   0x01    /* interrupt when a byte is received */
#define FCR_ENABLE         0x01    /* enable FIFOs */
#define FCR_CLEAR_RX       0x02
#define FCR_CLEAR_TX       0x04
#define FCR_TRIGGER_1      0x00    /* receive interrupt after 1 byte */
#define FCR_TRIGGER_4      0x40    /* ... after 4 bytes */
#define FCR_TRIGGER_8      0x80    /* ... after 8 bytes */
#define FCR_TRIGGER_14     0xc0    /* ... after 14 bytes */
#define LCR_8N1            0x03    /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB           0x80    /* divisor latch access */
#define MCR_DTR            0x01
#define MCR_RTS            0x02
#define MCR_OUT2           0x08    /* gates the UART interrupt onto the ISA bus */
#define MCR_LOOPBACK       0x10
#define LSR_DATA_READY     0x01
#define LSR_THR_EMPTY      0x20

#define DIVISOR_115200     1       /* 115200 = 1.8432 MHz / (16 * 1) */
#define TX_SPIN_LIMIT      100000

struct uart com1, com2, com3;

static struct uart *rx_ports[IRQ_LINES];     /* which UART owns each IRQ line */

int uart_init(struct uart *uart, uint16_t base)
{
    uart->base = base;
    uart->present = false;
    outb(base + UART_IER, 0);
    outb(base + UART_LCR, LCR_DLAB);
    outb(base + UART_DATA, DIVISOR_115200 & 0xff);
    outb(base + UART_IER, DIVISOR_115200 >> 8);
    outb(base + UART_LCR, LCR_8N1);
    outb(base + UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX | FCR_TRIGGER_1);

    /* Loopback self-test: a byte sent must come back. */
    outb(base + UART_MCR, MCR_LOOPBACK | MCR_RTS | MCR_DTR);
    outb(base + UART_DATA, 0xa5);
    if (inb(base + UART_DATA) != 0xa5)
        return -EIO;
    outb(base + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
    uart->present = true;
    return 0;
}

void uart_putc(struct uart *uart, uint8_t byte)
{
    if (!uart->present)
        return;
    for (int i = 0; i < TX_SPIN_LIMIT && !(inb(uart->base + UART_LSR) & LSR_THR_EMPTY); i++)
        cpu_pause();
    outb(uart->base + UART_DATA, byte);
}

void uart_write_text(struct uart *uart, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n')
            uart_putc(uart, '\r');
        uart_putc(uart, (uint8_t)text[i]);
    }
}

void uart_write_bytes(const void *bytes, size_t len, void *ctx)
{
    struct uart *uart = ctx;
    for (size_t i = 0; i < len; i++)
        uart_putc(uart, ((const uint8_t *)bytes)[i]);
}

static void uart_console_write(struct console *console, const char *text, size_t len)
{
    struct uart *uart = (struct uart *)((char *)console - offsetof(struct uart, console));
    uart_write_text(uart, text, len);
}

int uart_console_init(struct uart *uart)
{
    uart->console.name = "serial";
    uart->console.write = uart_console_write;
    return console_register(&uart->console);
}

/* Once a byte is lost, the ones after it are lost too until the reader has caught up
 * with the gap: then the ring never holds bytes from both sides of one, the reader meets
 * each gap at the ring's end, and a line cut by lost bytes is never joined to the next. */
static void rx_store(struct uart *uart, uint8_t byte)
{
    uint32_t head = uart->rx_head;
    if (uart->rx_gap || head - uart->rx_tail == UART_RX_RING) {
        uart->rx_dropped++;
        uart->rx_lost_last = byte;
        uart->rx_gap = true;
        return;
    }
    uart->rx[head % UART_RX_RING] = byte;
    barrier();                        /* the byte is stored before the reader sees head */
    uart->rx_head = head + 1;
}

/* The input of a receive interrupt: the first byte waiting (0x100 | byte), or 0. */
static uint16_t rx_input(unsigned line)
{
    struct uart *uart = rx_ports[line];
    if (!(inb(uart->base + UART_LSR) & LSR_DATA_READY))
        return 0;
    return 0x100 | inb(uart->base + UART_DATA);
}

static void rx_interrupt(unsigned line, uint16_t input, struct trap_frame *frame)
{
    (void)frame;
    struct uart *uart = rx_ports[line];
    if (input & 0x100)
        rx_store(uart, (uint8_t)input);
    while (inb(uart->base + UART_LSR) & LSR_DATA_READY)
        rx_store(uart, inb(uart->base + UART_DATA));
    if (uart->on_receive)
        uart->on_receive(uart);
}

static const struct irq_handler rx_handler = { .input = rx_input, .handle = rx_interrupt };

int uart_enable_rx_irq(struct uart *uart, unsigned irq)
{
    if (!uart->present)
        return -EIO;
    if (irq >= IRQ_LINES)
        return -EINVAL;
    rx_ports[irq] = uart;
    int err = irq_register(irq, &rx_handler);
    if (err)
        return err;
    outb(uart->base + UART_IER, IER_RX_AVAILABLE);
    return 0;
}

bool uart_poll_byte(struct uart *uart, uint8_t *byte)
{
    if (!uart->present || !(inb(uart->base + UART_LSR) & LSR_DATA_READY))
        return false;
    *byte = inb(uart->base + UART_DATA);
    return true;
}

void uart_set_rx_interrupt(struct uart *uart, bool on)
{
    if (uart->present)
        outb(uart->base + UART_IER, on ? IER_RX_AVAILABLE : 0);
}

void uart_set_rx_trigger(struct uart *uart, unsigned bytes)
{
    uint8_t trigger = bytes >= 14 ? FCR_TRIGGER_14 : bytes >= 8 ? FCR_TRIGGER_8 :
                      bytes >= 4 ? FCR_TRIGGER_4 : FCR_TRIGGER_1;
    /* No clear bits: the FIFOs keep what they hold (PC16550D, FCR bits 1-2). */
    if (uart->present)
        outb(uart->base + UART_FCR, FCR_ENABLE | trigger);
}

bool uart_read_byte(struct uart *uart, uint8_t *byte)
{
    uint32_t tail = uart->rx_tail;
    if (tail == uart->rx_head)
        return false;
    *byte = uart->rx[tail % UART_RX_RING];
    barrier();                        /* read the byte before giving the slot back */
    uart->rx_tail = tail + 1;
    return true;
}

bool uart_read_gap(struct uart *uart, uint64_t *lost, uint8_t *last_lost)
{
    if (!READ_ONCE(uart->rx_gap))
        return false;                     /* the usual case, asked at every read: no cli */
    bool gap = false;
    uint64_t flags = cpu_irq_save();      /* count and last byte of the same gap */
    if (uart->rx_gap && uart->rx_tail == uart->rx_head) {
        *lost = uart->rx_dropped - uart->rx_reported;
        *last_lost = uart->rx_lost_last;
        uart->rx_reported = uart->rx_dropped;
        uart->rx_gap = false;
        gap = true;
    }
    cpu_irq_restore(flags);
    return gap;
}
