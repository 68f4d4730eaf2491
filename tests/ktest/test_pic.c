/*
 * test_pic.c - the 8259 pair: spurious IRQ 7 and 15 are recognised (no handler, counted
 * apart), and lines on the slave keep arriving, which they only do if every interrupt
 * gets its EOI on both chips. The slave line used is IRQ 8, the CMOS RTC's periodic
 * interrupt (MC146818 register A rate, register B PIE, register C read to re-arm).
 * irq_wait (the GDB stub's sleep) is woken by the PIT's IRQ 0 without running its handler,
 * and refuses to sleep while irq_hold keeps every line back.
 */
#include "cpu.h"
#include "errno.h"
#include "irq.h"
#include "ktest.h"
#include "pic8259.h"
#include "pit.h"
#include "trace.h"

enum cmos_port {
    CMOS_INDEX = 0x70,
    CMOS_DATA = 0x71,
};

#define CMOS_NMI_DISABLE   0x80    /* index bit 7: keep NMIs off while indexing */
#define CMOS_REG_A         0x0a
#define CMOS_A_RATE_64HZ   0x0a    /* rate 10: 32768 >> (10 - 1) = 64 Hz */
#define CMOS_REG_B         0x0b
#define CMOS_B_PERIODIC    0x40    /* PIE: periodic interrupt enable */
#define CMOS_REG_C         0x0c    /* reading acknowledges the interrupt */
#define RTC_IRQ            8

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, CMOS_NMI_DISABLE | reg);
    return inb(CMOS_DATA);
}

static void cmos_write(uint8_t reg, uint8_t value)
{
    outb(CMOS_INDEX, CMOS_NMI_DISABLE | reg);
    outb(CMOS_DATA, value);
}

static volatile unsigned rtc_interrupts;

static void rtc_interrupt(unsigned line, uint16_t input, struct trap_frame *frame)
{
    (void)line, (void)input, (void)frame;
    cmos_read(CMOS_REG_C);
    rtc_interrupts = rtc_interrupts + 1;
}

static const struct irq_handler rtc_handler = { .handle = rtc_interrupt };

KTEST(pic_slave_line_keeps_arriving)
{
    uint64_t flags = cpu_irq_save();
    uint8_t a = cmos_read(CMOS_REG_A), b = cmos_read(CMOS_REG_B);
    rtc_interrupts = 0;
    cmos_write(CMOS_REG_A, (uint8_t)((a & 0xf0) | CMOS_A_RATE_64HZ));
    cmos_write(CMOS_REG_B, b | CMOS_B_PERIODIC);
    cmos_read(CMOS_REG_C);
    int err = irq_register(RTC_IRQ, &rtc_handler);
    cpu_irq_restore(flags);
    KCHECK_EQ(err, 0);

    uint64_t deadline = pit_ticks() + 50;                /* 0.5 s: about 32 interrupts */
    while (rtc_interrupts < 8 && pit_ticks() < deadline)
        cpu_hlt();

    flags = cpu_irq_save();
    cmos_write(CMOS_REG_B, b);
    cmos_write(CMOS_REG_A, a);
    irq_unregister(RTC_IRQ);
    cpu_irq_restore(flags);
    if (rtc_interrupts < 8)
        ktest_fail(__FILE__, __LINE__, "only %u RTC interrupts on IRQ 8 in 0.5 s",
                   rtc_interrupts);
    KCHECK(irq_count(RTC_IRQ) >= 8);
}

KTEST(pic_spurious_irq7_and_irq15_are_ignored)
{
    for (unsigned line = 7; line <= 15; line += 8) {
        struct trap_frame frame = { .vector = IRQ_BASE_VECTOR + line };
        uint64_t count = irq_count(line), spurious = irq_spurious_count(line);
        uint64_t flags = cpu_irq_save();
        irq_dispatch(&frame);            /* nothing in service: the 8259 would be lying */
        cpu_irq_restore(flags);
        KCHECK_EQ(irq_spurious_count(line), spurious + 1);
        KCHECK_EQ(irq_count(line), count);
    }
}

KTEST(irq_wait_wakes_without_handler_count_or_trace)
{
    uint64_t flags = cpu_irq_save();
    uint64_t ticks = pit_ticks(), count = irq_count(0);
    struct trace_stats before, after;
    trace_get_stats(&before);
    int err = irq_wait(0);                  /* the PIT's next tick, within 10 ms */
    trace_get_stats(&after);
    uint64_t ticks_after = pit_ticks(), count_after = irq_count(0);
    cpu_irq_restore(flags);
    KCHECK_EQ(err, 0);
    KCHECK_EQ(ticks_after, ticks);          /* the timer's handler did not run */
    KCHECK_EQ(count_after, count);
    KCHECK_EQ(after.recorded_words, before.recorded_words);
    KCHECK_EQ(pic_read_isr(), 0);           /* it got its EOI */
    uint64_t deadline = ticks + 50;         /* and the masks are back: it still ticks */
    while (pit_ticks() <= ticks && pit_ticks() < deadline)
        cpu_hlt();
    KCHECK(pit_ticks() > ticks);
}

/* The GDB stub's kernel step holds every line (irq_hold): irq_wait must refuse then, not
 * halt for a tick that cannot arrive, and sleep as before once the hold is lifted. */
KTEST(irq_wait_refuses_while_irq_hold_is_in_force)
{
    uint64_t flags = cpu_irq_save();
    irq_hold(true);
    int while_held = irq_wait(0);
    irq_hold(false);
    int after = irq_wait(0);                /* the PIT's next tick, or one latched meanwhile */
    cpu_irq_restore(flags);
    KCHECK_EQ(while_held, -EBUSY);
    KCHECK_EQ(after, 0);
    KCHECK_EQ(pic_read_isr(), 0);
}

/* Inside IRQ 8's handler, IRQ 8 (and on the master, the cascade IRQ 2) is in service:
 * irq_wait must refuse IRQ 8 and IRQ 5 (ranked below IRQ 2) rather than sleep forever. */
static volatile int wait_in_handler[2];
static volatile bool rtc_waited;

static void rtc_interrupt_waits(unsigned line, uint16_t input, struct trap_frame *frame)
{
    (void)line, (void)input, (void)frame;
    cmos_read(CMOS_REG_C);
    if (!rtc_waited) {
        wait_in_handler[0] = irq_wait(RTC_IRQ);
        wait_in_handler[1] = irq_wait(5);
        rtc_waited = true;
    }
}

static const struct irq_handler rtc_waiting_handler = { .handle = rtc_interrupt_waits };

KTEST(irq_wait_refuses_a_line_held_back_by_one_in_service)
{
    uint64_t flags = cpu_irq_save();
    uint8_t a = cmos_read(CMOS_REG_A), b = cmos_read(CMOS_REG_B);
    rtc_waited = false;
    cmos_write(CMOS_REG_A, (uint8_t)((a & 0xf0) | CMOS_A_RATE_64HZ));
    cmos_write(CMOS_REG_B, b | CMOS_B_PERIODIC);
    cmos_read(CMOS_REG_C);
    int err = irq_register(RTC_IRQ, &rtc_waiting_handler);
    cpu_irq_restore(flags);
    KCHECK_EQ(err, 0);

    uint64_t deadline = pit_ticks() + 50;
    while (!rtc_waited && pit_ticks() < deadline)
        cpu_hlt();

    flags = cpu_irq_save();
    cmos_write(CMOS_REG_B, b);
    cmos_write(CMOS_REG_A, a);
    irq_unregister(RTC_IRQ);
    cpu_irq_restore(flags);
    KCHECK(rtc_waited);
    KCHECK_EQ(wait_in_handler[0], -EBUSY);
    KCHECK_EQ(wait_in_handler[1], -EBUSY);
}
