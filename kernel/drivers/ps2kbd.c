/*
 * ps2kbd.c - i8042 keyboard port (IBM PS/2 Hardware Interface Technical Reference;
 * OSDev "8042 PS/2 Controller"). Only the first port is used; the mouse port stays off.
 * Every wait on the controller is bounded: a missing or wedged controller makes init
 * fail with -EIO and LED updates give up, never hang the kernel.
 */
#include "ps2kbd.h"
#include "cpu.h"
#include "errno.h"
#include "irq.h"
#include "trace.h"

enum i8042_port {
    I8042_DATA = 0x60,
    I8042_STATUS = 0x64,                 /* read */
    I8042_COMMAND = 0x64,                /* write */
};

#define STATUS_OUTPUT_FULL   0x01        /* a byte waits in the data port */
#define STATUS_INPUT_FULL    0x02        /* the controller has not taken our last byte */

#define CMD_READ_CONFIG      0x20
#define CMD_WRITE_CONFIG     0x60
#define CMD_DISABLE_PORT2    0xa7
#define CMD_DISABLE_PORT1    0xad
#define CMD_ENABLE_PORT1     0xae
#define CMD_PULSE_RESET      0xfe        /* pulse output line 0: the CPU's reset */

#define CONFIG_PORT1_IRQ     0x01        /* interrupt on port 1 data */
#define CONFIG_PORT2_IRQ     0x02
#define CONFIG_PORT1_CLOCK_OFF 0x10
#define CONFIG_TRANSLATE     0x40        /* set 2 -> set 1 translation */

#define KBD_SET_LEDS         0xed

#define SPIN_LIMIT           100000
#define FLUSH_LIMIT          64

static void (*sink)(uint8_t scancode, uint16_t waker);

static bool wait_input_empty(void)
{
    for (int i = 0; i < SPIN_LIMIT; i++) {
        if (!(inb(I8042_STATUS) & STATUS_INPUT_FULL))
            return true;
        cpu_pause();
    }
    return false;
}

static bool wait_output_full(void)
{
    for (int i = 0; i < SPIN_LIMIT; i++) {
        if (inb(I8042_STATUS) & STATUS_OUTPUT_FULL)
            return true;
        cpu_pause();
    }
    return false;
}

static bool command(uint8_t cmd)
{
    if (!wait_input_empty())
        return false;
    outb(I8042_COMMAND, cmd);
    return true;
}

static bool write_data(uint8_t byte)
{
    if (!wait_input_empty())
        return false;
    outb(I8042_DATA, byte);
    return true;
}

/* The input of a keyboard interrupt is the scancode byte itself. */
static uint16_t kbd_input(unsigned line)
{
    (void)line;
    return inb(I8042_DATA);
}

static void kbd_interrupt(unsigned line, uint16_t scancode, struct trap_frame *frame)
{
    (void)line, (void)frame;
    if (sink)
        sink((uint8_t)scancode, TRACE_WAKER_IRQ(IRQ_BASE_VECTOR + PS2KBD_IRQ));
}

static const struct irq_handler kbd_handler = { .input = kbd_input, .handle = kbd_interrupt };

int ps2kbd_init(void (*scancode_sink)(uint8_t scancode, uint16_t waker))
{
    sink = scancode_sink;
    if (!command(CMD_DISABLE_PORT1) || !command(CMD_DISABLE_PORT2))
        return -EIO;
    for (int i = 0; i < FLUSH_LIMIT && (inb(I8042_STATUS) & STATUS_OUTPUT_FULL); i++)
        inb(I8042_DATA);                     /* whatever the firmware left behind */
    if (!command(CMD_READ_CONFIG) || !wait_output_full())
        return -EIO;
    uint8_t config = inb(I8042_DATA);
    config |= CONFIG_PORT1_IRQ | CONFIG_TRANSLATE;
    config &= (uint8_t)~(CONFIG_PORT2_IRQ | CONFIG_PORT1_CLOCK_OFF);
    if (!command(CMD_WRITE_CONFIG) || !write_data(config) || !command(CMD_ENABLE_PORT1))
        return -EIO;
    return irq_register(PS2KBD_IRQ, &kbd_handler);
}

void ps2kbd_set_leds(uint8_t leds)
{
    if (write_data(KBD_SET_LEDS))
        write_data(leds & 0x07);
}

void ps2kbd_reset_system(void)
{
    command(CMD_PULSE_RESET);
    for (int i = 0; i < SPIN_LIMIT; i++)
        cpu_pause();                         /* give the reset time to land */
}
