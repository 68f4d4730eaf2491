/*
 * serial_input.c - the serial console's input future (serial_input.h). The UART's
 * receive interrupt stores bytes in the driver's ring and calls on_receive, which wakes
 * the task registered as the reader.
 */
#include "serial_input.h"
#include "executor.h"

static struct uart *port;                  /* set at init */
static uint16_t receive_waker;
static volatile uint16_t reader;           /* task context sets it, IRQ context reads it */

static void on_receive(struct uart *uart)
{
    (void)uart;
    if (reader)
        task_wake(reader, receive_waker);
}

void serial_input_init(struct uart *uart, uint16_t waker)
{
    port = uart;
    receive_waker = waker;
    uart->on_receive = on_receive;
}

bool serial_read_byte(uint8_t *byte)
{
    reader = task_current_id();            /* before the check: no byte slips between */
    barrier();
    return port && uart_read_byte(port, byte);
}

bool serial_read_gap(uint64_t *lost, uint8_t *last_lost)
{
    return port && uart_read_gap(port, lost, last_lost);
}
