/*
 * irq.h - hardware interrupt lines: handler registration, dispatch and counts.
 * The interrupt controller driver (pic8259) plugs in through struct irq_controller, so
 * arch code never calls a driver directly. Handlers run with IRQs off, on the
 * interrupted stack, and must not block; EOI is sent after the handler returns.
 * Every delivered interrupt is traced: irq_enter (with the device's input) before the
 * handler, irq_exit after the EOI. Spurious interrupts are counted, not traced; the one
 * interrupt that ends an irq_wait() is neither (it belongs to a stopped machine).
 */
#ifndef LOCKSTEP_ARCH_IRQ_H
#define LOCKSTEP_ARCH_IRQ_H

#include "trap.h"

/* A device's interrupt handling, in two steps:
 *   input   (optional) reads what the device delivers with this interrupt: the scancode,
 *           the tick being started. It is recorded in the irq_enter trace event, so a
 *           trace shows the input that makes the run reproducible.
 *   handle  does the rest, given that input. */
struct irq_handler {
    uint16_t (*input)(unsigned line);
    void (*handle)(unsigned line, uint16_t input, struct trap_frame *frame);
};

struct irq_controller {
    const char *name;
    /* True if `line` fired spuriously (e.g. 8259 IRQ 7/15 with no ISR bit): no handler
     * runs and the controller itself sends whatever EOI the case needs. */
    bool (*is_spurious)(unsigned line);
    void (*end_of_interrupt)(unsigned line);
    void (*unmask)(unsigned line);
    void (*mask)(unsigned line);
    /* For irq_wait: mask every line but `line` (and whatever it needs to reach the CPU),
     * returning the mask before; set_mask puts a saved mask back. */
    uint16_t (*mask_all_but)(unsigned line);
    void (*set_mask)(uint16_t mask);
    /* hold(true) keeps every line from the CPU, whatever the mask; masks set meanwhile
     * take effect at hold(false). The controller alone keeps whether it holds. */
    void (*hold)(bool on);
    /* False while a request on `line` would be held back: the controller holds every
     * line (hold), or `line`, or a line the controller ranks above it, is in service
     * (the CPU is inside that handler). */
    bool (*can_interrupt)(unsigned line);
};

/* Install the controller. Call once at boot with IRQs off. */
void irq_set_controller(const struct irq_controller *controller);

/* Attach `handler` (which must outlive its registration) to `line` and unmask it.
 * Returns 0, -EINVAL for a bad line or a handler without handle(), or -EBUSY if the line
 * has a handler already. IRQs off. */
int irq_register(unsigned line, const struct irq_handler *handler);

/* Mask `line` and detach its handler. Returns 0, -EINVAL for a bad line, or -ENOENT if
 * it had none. IRQs off. */
int irq_unregister(unsigned line);

/* Mask `line` at the controller (its handler stays). IRQs off. */
void irq_mask(unsigned line);

/* Hold every line back (on) or let them through again with the masks the kernel set
 * meanwhile (off). The GDB stub holds them while it single-steps the kernel, as QEMU's
 * gdbstub does: one stepi runs one instruction and no interrupt handler. IRQs off. */
void irq_hold(bool on);

/* Deliver an interrupt on `line` (0 or 1) in software, with `input` standing for what
 * the device would have delivered: an `int` instruction on the line's vector runs the
 * same stub, dispatch, handler and trace records as the hardware would, but no EOI is
 * sent. Used by replay. Returns 0, or -EINVAL for another line. Task context. */
int irq_inject(unsigned line, uint16_t input);

/* A debugger's sleep, while it holds the machine stopped with IRQs off: halt until `line`
 * raises its interrupt, every other line masked meanwhile. That interrupt only ends the
 * hlt: no input function or handler runs, nothing is counted or traced, and it gets its
 * EOI here. Returns with IRQs off and the masks as they were: 0 once woken (perhaps by a
 * request left over from before, so the caller checks its device again), or -EBUSY at
 * once, without sleeping, if `line` cannot interrupt now (no controller yet, irq_hold in
 * force, or the stop is inside the handler of `line` or of a line ranked above it): the
 * caller then polls. */
int irq_wait(unsigned line);

/* The same without the sleep: take, untraced, a request `line` has pending now (an edge
 * its controller latched while the CPU had interrupts off), so that it does not reach
 * the handler later as an interrupt with nothing behind it. IRQs off; does nothing if
 * `line` cannot interrupt now. */
void irq_flush(unsigned line);

/* Called by trap_dispatch for vectors IRQ_BASE_VECTOR .. +15. */
void irq_dispatch(struct trap_frame *frame);

/* Interrupts delivered on `line` since boot (spurious ones are counted separately). */
uint64_t irq_count(unsigned line);
uint64_t irq_spurious_count(unsigned line);

#endif
