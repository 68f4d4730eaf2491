/*
 * pit.c - 8254 PIT (Intel 82C54 datasheet). Channel 0 runs in mode 2 (rate generator):
 * it reloads PIT_DIVISOR and pulses OUT0 -> IRQ 0 every PIT_DIVISOR input clocks.
 * Channel 2 (gate and output through port 0x61) is free for one-shot measurements.
 */
#include "pit.h"
#include "cpu.h"
#include "irq.h"

enum pit_port {
    PIT_CHANNEL0 = 0x40,
    PIT_CHANNEL2 = 0x42,
    PIT_COMMAND = 0x43,
    PIT_SPEAKER = 0x61,        /* system control port B */
};

#define CMD_CHANNEL(n)    ((unsigned)(n) << 6)
#define CMD_LATCH         0x00    /* access mode 0: latch the count */
#define CMD_LOBYTE_HIBYTE 0x30
#define CMD_MODE0         0x00    /* interrupt on terminal count (one-shot) */
#define CMD_MODE2         0x04    /* rate generator */
#define SPEAKER_GATE2     0x01    /* port 0x61: channel 2 gate */
#define SPEAKER_DATA      0x02    /* port 0x61: speaker enable (kept off) */
#define SPEAKER_OUT2      0x20    /* port 0x61: channel 2 output (read) */

_Static_assert(PIT_DIVISOR > 0 && PIT_DIVISOR <= 65535, "PIT divisor out of range");

static volatile uint64_t ticks;   /* written only by the IRQ 0 handler */
static void (*tick_hook)(uint64_t now);  /* set once at boot, IRQs off */

/* The input of a timer interrupt is the tick it starts (its low 16 bits). */
static uint16_t tick_input(unsigned line)
{
    (void)line;
    return (uint16_t)(ticks + 1);
}

static void tick(unsigned line, uint16_t input, struct trap_frame *frame)
{
    (void)line, (void)input, (void)frame;
    ticks = ticks + 1;
    if (tick_hook)
        tick_hook(ticks);
}

static const struct irq_handler pit_handler = { .input = tick_input, .handle = tick };

void pit_set_tick_hook(void (*hook)(uint64_t now))
{
    tick_hook = hook;
}

int pit_init(void)
{
    outb(PIT_COMMAND, CMD_CHANNEL(0) | CMD_LOBYTE_HIBYTE | CMD_MODE2);
    outb(PIT_CHANNEL0, PIT_DIVISOR & 0xff);
    outb(PIT_CHANNEL0, PIT_DIVISOR >> 8);
    return irq_register(PIT_IRQ, &pit_handler);
}

uint64_t pit_ticks(void)
{
    return ticks;
}

const volatile uint64_t *pit_clock(void)
{
    return &ticks;
}

uint16_t pit_read_count(unsigned channel)
{
    uint64_t flags = cpu_irq_save();     /* latch + two reads must not be split */
    outb(PIT_COMMAND, CMD_CHANNEL(channel) | CMD_LATCH);
    uint8_t low = inb(PIT_CHANNEL0 + channel);
    uint8_t high = inb(PIT_CHANNEL0 + channel);
    cpu_irq_restore(flags);
    return (uint16_t)(low | high << 8);
}

void pit_oneshot_start(uint16_t count)
{
    uint8_t control = inb(PIT_SPEAKER);
    outb(PIT_SPEAKER, (uint8_t)((control & ~(SPEAKER_DATA | SPEAKER_GATE2))));
    outb(PIT_COMMAND, CMD_CHANNEL(2) | CMD_LOBYTE_HIBYTE | CMD_MODE0);
    outb(PIT_CHANNEL2, count & 0xff);
    outb(PIT_CHANNEL2, count >> 8);
    outb(PIT_SPEAKER, (uint8_t)((control & ~SPEAKER_DATA) | SPEAKER_GATE2));  /* start */
}

bool pit_oneshot_done(void)
{
    return inb(PIT_SPEAKER) & SPEAKER_OUT2;
}
