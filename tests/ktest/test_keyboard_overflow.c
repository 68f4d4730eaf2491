/*
 * test_keyboard_overflow.c - more scancodes than the keyboard's queue holds, delivered
 * through the PS/2 interrupt path (irq_inject) while the keyboard task is never polled:
 * the queue keeps the first KEYBOARD_SCANCODE_QUEUE bytes, and every byte after them is
 * counted in stats.queue_drops and recorded as a key_drop with reason 3 (queue full),
 * each with its own scancode, in order. Nothing is lost silently: the kept bytes come
 * out as their keys once the task runs, and the keyboard works on afterwards, with no
 * Shift left held by a release that was lost.
 */
#include "executor.h"
#include "irq.h"
#include "keyboard.h"
#include "ktest.h"
#include "ps2kbd.h"
#include "stream.h"
#include "trace.h"

#define OVERFLOW_EXTRA  36                         /* bytes beyond a full queue */
#define OVERFLOW_TOTAL  (KEYBOARD_SCANCODE_QUEUE + OVERFLOW_EXTRA)
#define OVERFLOW_MARK   0x6b0f0000u                /* marks where the overflow starts */

/* Make codes of the letters, Q to M along the keyboard rows (keymap.def). */
static const uint8_t letters[] = {
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
    0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
    0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32,
};

/* Byte i of the stream: presses and releases of the letters in turn. */
static uint8_t scancode(unsigned i)
{
    uint8_t make = letters[(i / 2) % sizeof(letters)];
    return i % 2 ? (uint8_t)(make | 0x80) : make;
}

/* Let the keyboard task decode what is queued, then take every key nobody read. */
static void drain_keyboard(void)
{
    struct key_event key;
    while (executor_poll_one())
        ;
    while (keyboard_read_key(&key))
        ;
}

/* trace_recent: key_drop records after the overflow mark, checked against the stream. */
static struct {
    bool after_mark;
    unsigned drops, wrong;
} seen;

static void count_key_drops(const uint32_t *record, uint32_t seq, uint64_t tick, void *ctx)
{
    (void)seq, (void)tick, (void)ctx;
    unsigned id = (record[0] >> 8) & 0xff;
    if (id == TRACE_ID_mark && record[1] == OVERFLOW_MARK)
        seen.after_mark = true;
    if (id != TRACE_ID_key_drop || !seen.after_mark)
        return;
    uint8_t byte = (uint8_t)record[1], reason = (uint8_t)(record[1] >> 8);
    if (reason != SCANCODE_QUEUE_FULL ||
        byte != scancode(KEYBOARD_SCANCODE_QUEUE + seen.drops))
        seen.wrong++;
    seen.drops++;
}

KTEST(keyboard_queue_overflow_counts_every_lost_scancode)
{
    struct keyboard_stats before, after;
    drain_keyboard();
    keyboard_get_stats(&before);

    for (unsigned i = 0; i < KEYBOARD_SCANCODE_QUEUE; i++)   /* a full queue: no drop */
        KCHECK_EQ(irq_inject(PS2KBD_IRQ, scancode(i)), 0);
    keyboard_get_stats(&after);
    KCHECK_EQ(after.queue_drops, before.queue_drops);
    trace_drain();                                 /* trace_recent holds what follows */
    TRACE(mark, .value = OVERFLOW_MARK);
    for (unsigned i = KEYBOARD_SCANCODE_QUEUE; i < OVERFLOW_TOTAL; i++)
        KCHECK_EQ(irq_inject(PS2KBD_IRQ, scancode(i)), 0);
    trace_drain();

    keyboard_get_stats(&after);
    KCHECK_EQ(after.scancodes, before.scancodes + OVERFLOW_TOTAL);
    KCHECK_EQ(after.queue_drops, before.queue_drops + OVERFLOW_EXTRA);
    seen.after_mark = false;
    seen.drops = seen.wrong = 0;
    trace_recent(TRACE_RECENT, count_key_drops, NULL);
    KCHECK(seen.after_mark);
    KCHECK_EQ(seen.drops, OVERFLOW_EXTRA);
    KCHECK_EQ(seen.wrong, 0);

    /* The queue kept the oldest bytes: the first 32 letters, pressed and released. */
    while (executor_poll_one())
        ;
    for (unsigned i = 0; i < KEYBOARD_SCANCODE_QUEUE; i++) {
        struct key_event key;
        KCHECK(keyboard_read_key(&key));
        KCHECK_EQ(key.key, scancode(i) & 0x7f);
        KCHECK_EQ(key.pressed, i % 2 == 0);
    }
    keyboard_get_stats(&after);
    KCHECK_EQ(after.keys, before.keys + KEYBOARD_SCANCODE_QUEUE);
    KCHECK_EQ(after.queue_drops, before.queue_drops + OVERFLOW_EXTRA);  /* keys all fit */

    /* And it works on: one more key press and release. */
    struct key_event key;
    KCHECK(!keyboard_read_key(&key));
    KCHECK_EQ(irq_inject(PS2KBD_IRQ, 0x1e), 0);
    KCHECK_EQ(irq_inject(PS2KBD_IRQ, 0x9e), 0);
    while (executor_poll_one())
        ;
    KCHECK(keyboard_read_key(&key));
    KCHECK(key.key == KEY_A && key.pressed && key.ascii == 'a');
    KCHECK(keyboard_read_key(&key));
    KCHECK(key.key == KEY_A && !key.pressed);
    drain_keyboard();
}

/* Regression (review): keys held across `busy` left Shift stuck. With the keyboard task
 * starved, the queue filled and Shift's release was among the bytes dropped; every key
 * after read as shifted. Where bytes were lost the task now releases every held key. */
KTEST(a_shift_release_lost_to_a_full_queue_does_not_stick)
{
    struct keyboard_stats before, after;
    struct key_event key;
    drain_keyboard();
    keyboard_get_stats(&before);
    KCHECK_EQ(irq_inject(PS2KBD_IRQ, 0x2a), 0);              /* Shift down */
    for (unsigned i = 0; i + 1 < KEYBOARD_SCANCODE_QUEUE; i++)
        KCHECK_EQ(irq_inject(PS2KBD_IRQ, scancode(i)), 0);  /* the queue is full */
    KCHECK_EQ(irq_inject(PS2KBD_IRQ, 0xaa), 0);              /* Shift up: dropped */
    keyboard_get_stats(&after);
    KCHECK_EQ(after.queue_drops, before.queue_drops + 1);
    drain_keyboard();

    KCHECK_EQ(irq_inject(PS2KBD_IRQ, 0x1e), 0);              /* A, after the loss */
    KCHECK_EQ(irq_inject(PS2KBD_IRQ, 0x9e), 0);
    while (executor_poll_one())
        ;
    KCHECK(keyboard_read_key(&key));
    KCHECK(key.key == KEY_A && key.pressed);
    KCHECK_EQ(key.ascii, 'a');
    KCHECK_EQ(key.modifiers & KEYMOD_SHIFT, 0);
    drain_keyboard();
}
