/*
 * pic8259.c - 8259A programmable interrupt controller pair (Intel 8259A datasheet,
 * "Initialization Command Words"). The slave is wired to the master's IRQ 2.
 *
 * Spurious interrupts: if an IRQ line drops before the CPU acknowledges it, the 8259
 * delivers its lowest-priority vector (IRQ 7, or IRQ 15 on the slave) with no bit set in
 * the in-service register. Such an interrupt must not get an EOI from the chip that
 * raised it; a spurious IRQ 15 still needs an EOI to the master, whose IRQ 2 input did
 * see a real request from the slave.
 */
#include "pic8259.h"
#include "cpu.h"
#include "irq.h"

enum pic_port {
    PIC_MASTER_COMMAND = 0x20,
    PIC_MASTER_DATA = 0x21,
    PIC_SLAVE_COMMAND = 0xa0,
    PIC_SLAVE_DATA = 0xa1,
};

#define ICW1_ICW4       0x01    /* ICW4 follows */
#define ICW1_INIT       0x10    /* start initialisation */
#define ICW3_SLAVE_ON_2 0x04    /* master: a slave hangs off IRQ 2 */
#define ICW3_CASCADE_ID 0x02    /* slave: its cascade identity is 2 */
#define ICW4_8086       0x01    /* 8086/88 mode */
#define OCW2_EOI        0x20    /* non-specific end of interrupt */
#define OCW3_READ_ISR   0x0b    /* next read of the command port returns the ISR */
#define CASCADE_LINE    2

static uint16_t mask = 0xffff;  /* bit set = masked; IRQs off to change */
static bool held;               /* pic_hold: every line masked, whatever `mask` says */

static void write_mask(void)
{
    uint16_t m = held ? 0xffff : mask;
    outb(PIC_MASTER_DATA, (uint8_t)m);
    outb(PIC_SLAVE_DATA, (uint8_t)(m >> 8));
}


uint16_t pic_read_isr(void)
{
    outb(PIC_MASTER_COMMAND, OCW3_READ_ISR);
    outb(PIC_SLAVE_COMMAND, OCW3_READ_ISR);
    return (uint16_t)(inb(PIC_MASTER_COMMAND) | inb(PIC_SLAVE_COMMAND) << 8);
}

static bool pic_is_spurious(unsigned line)
{
    if (line != 7 && line != 15)
        return false;
    if (pic_read_isr() & (1u << line))
        return false;
    if (line == 15)
        outb(PIC_MASTER_COMMAND, OCW2_EOI);
    return true;
}

static void pic_end_of_interrupt(unsigned line)
{
    if (line >= 8)
        outb(PIC_SLAVE_COMMAND, OCW2_EOI);
    outb(PIC_MASTER_COMMAND, OCW2_EOI);
}

static void pic_unmask(unsigned line)
{
    mask &= (uint16_t)~(1u << line);
    if (line >= 8)
        mask &= (uint16_t)~(1u << CASCADE_LINE);
    write_mask();
}

static void pic_mask(unsigned line)
{
    mask |= (uint16_t)(1u << line);
    write_mask();
}

static uint16_t pic_mask_all_but(unsigned line)
{
    uint16_t saved = mask;
    mask = (uint16_t)~(1u << line);
    if (line >= 8)
        mask &= (uint16_t)~(1u << CASCADE_LINE);
    write_mask();
    return saved;
}

static void pic_set_mask(uint16_t saved)
{
    mask = saved;
    write_mask();
}

/* While pic_hold is in force every line is masked, so none can interrupt (irq_wait asks
 * this, and must not sleep then). Otherwise, in fully nested mode (ICW4 without SFNM, as
 * pic_init leaves it) a chip holds a request back while that line or one of higher
 * priority (lower number) is in service; on the master, every slave line ranks as IRQ 2. */
static bool pic_can_interrupt(unsigned line)
{
    if (held)
        return false;
    uint16_t isr = pic_read_isr();
    unsigned master_line = line >= 8 ? CASCADE_LINE : line;
    if (isr & ((2u << master_line) - 1))
        return false;
    return line < 8 || !((isr >> 8) & ((2u << (line - 8)) - 1));
}

static void pic_hold(bool on)
{
    held = on;
    write_mask();
}

static const struct irq_controller pic_controller = {
    .name = "8259A",
    .is_spurious = pic_is_spurious,
    .end_of_interrupt = pic_end_of_interrupt,
    .unmask = pic_unmask,
    .mask = pic_mask,
    .mask_all_but = pic_mask_all_but,
    .set_mask = pic_set_mask,
    .hold = pic_hold,
    .can_interrupt = pic_can_interrupt,
};

void pic_init(void)
{
    outb(PIC_MASTER_COMMAND, ICW1_INIT | ICW1_ICW4);
    io_wait();
    outb(PIC_SLAVE_COMMAND, ICW1_INIT | ICW1_ICW4);
    io_wait();
    outb(PIC_MASTER_DATA, IRQ_BASE_VECTOR);          /* ICW2: vector offset */
    io_wait();
    outb(PIC_SLAVE_DATA, IRQ_BASE_VECTOR + 8);
    io_wait();
    outb(PIC_MASTER_DATA, ICW3_SLAVE_ON_2);
    io_wait();
    outb(PIC_SLAVE_DATA, ICW3_CASCADE_ID);
    io_wait();
    outb(PIC_MASTER_DATA, ICW4_8086);
    io_wait();
    outb(PIC_SLAVE_DATA, ICW4_8086);
    io_wait();
    mask = (uint16_t)~(1u << CASCADE_LINE);
    write_mask();
    irq_set_controller(&pic_controller);
}
