/*
 * irq.c - hardware interrupt dispatch (irq.h). The handler table is written only at
 * registration (IRQs off) and read in IRQ context; the counters are written only in IRQ
 * context and read anywhere (64-bit aligned stores are atomic on x86_64).
 */
#include "irq.h"
#include "errno.h"
#include "cpu.h"
#include "panic.h"
#include "trace.h"

static const struct irq_controller *controller;   /* set once at boot */
static const struct irq_handler *handlers[IRQ_LINES];   /* IRQs off to change */
static uint64_t counts[IRQ_LINES];                /* IRQ context only */
static uint64_t spurious[IRQ_LINES];              /* IRQ context only */
/* The line irq_wait sleeps on, or -1: set and cleared by irq_wait with IRQs off. */
static volatile int waking_line = -1;
/* An injected interrupt's input, while its `int` runs: set and cleared by irq_inject. */
static struct {
    bool pending;
    uint16_t input;
} injected[IRQ_LINES];

void irq_set_controller(const struct irq_controller *c)
{
    controller = c;
}

int irq_register(unsigned line, const struct irq_handler *handler)
{
    if (line >= IRQ_LINES || !handler || !handler->handle)
        return -EINVAL;
    if (handlers[line])
        return -EBUSY;
    handlers[line] = handler;
    if (controller)
        controller->unmask(line);
    return 0;
}

int irq_unregister(unsigned line)
{
    if (line >= IRQ_LINES)
        return -EINVAL;
    if (!handlers[line])
        return -ENOENT;
    if (controller)
        controller->mask(line);
    handlers[line] = NULL;
    return 0;
}

void irq_mask(unsigned line)
{
    if (line < IRQ_LINES && controller)
        controller->mask(line);
}

/* The hold is the controller's state alone: while it holds, can_interrupt says no for
 * every line, which is what keeps open_window from sleeping on a line that cannot wake it. */
void irq_hold(bool on)
{
    if (controller)
        controller->hold(on);
}

int irq_inject(unsigned line, uint16_t input)
{
    if (line > 1)
        return -EINVAL;
    injected[line].input = input;
    injected[line].pending = true;
    if (line == 0)
        cpu_int32();
    else
        cpu_int33();
    injected[line].pending = false;
    return 0;
}

/* irq_wait and irq_flush: `line` alone may interrupt, while the CPU halts (sleep) or for
 * one instruction; its request only gets its EOI (irq_dispatch, waking_line). */
static int open_window(unsigned line, bool sleep)
{
    if (line >= IRQ_LINES || !controller || !controller->can_interrupt(line))
        return -EBUSY;                      /* `line` could never wake it */
    uint16_t saved = controller->mask_all_but(line);
    waking_line = (int)line;
    if (sleep)
        cpu_sti_hlt();                      /* a request already waiting ends it at once */
    else
        cpu_sti_nop();                      /* a latched request is taken here */
    cpu_cli();
    waking_line = -1;
    controller->set_mask(saved);
    return 0;
}

int irq_wait(unsigned line)
{
    return open_window(line, true);
}

void irq_flush(unsigned line)
{
    open_window(line, false);
}

void irq_dispatch(struct trap_frame *frame)
{
    unsigned line = (unsigned)frame->vector - IRQ_BASE_VECTOR;
    KASSERT(controller != NULL);
    if ((int)line == waking_line) {         /* irq_wait's wake-up: nothing more */
        controller->end_of_interrupt(line);
        return;
    }
    bool software = injected[line].pending;
    if (!software && controller->is_spurious(line)) {
        spurious[line]++;
        return;
    }
    counts[line]++;
    const struct irq_handler *h = handlers[line];
    uint16_t input = software ? injected[line].input : h && h->input ? h->input(line) : 0;
    TRACE(irq_enter, .vector = (uint8_t)frame->vector, .data = input);
    if (h)
        h->handle(line, input, frame);
    if (!software)
        controller->end_of_interrupt(line);
    TRACE(irq_exit, .vector = (uint8_t)frame->vector);
}

uint64_t irq_count(unsigned line)
{
    return line < IRQ_LINES ? counts[line] : 0;
}

uint64_t irq_spurious_count(unsigned line)
{
    return line < IRQ_LINES ? spurious[line] : 0;
}
