/*
 * keyboard.h - the keyboard as an interrupt-driven future.
 *
 *   scancode source --keyboard_input()--> [scancode queue] --> keyboard task (decodes)
 *     (IRQ 1 or a replay)   wakes the keyboard task            --> [key queue] --> reader
 *
 * Any source of scancodes feeds the same path through keyboard_input(): the PS/2 IRQ
 * handler does, and so can a replay or a test (keyboard_inject). The keyboard task
 * decodes (scancode.h), records a `key` or `key_drop` trace event for each, updates the
 * LEDs when a lock key toggles, and wakes the task reading keys.
 */
#ifndef LOCKSTEP_ASYNC_KEYBOARD_H
#define LOCKSTEP_ASYNC_KEYBOARD_H

#include "async.h"
#include "scancode.h"

#define KEYBOARD_SCANCODE_QUEUE 64     /* power of two */
#define KEYBOARD_KEY_QUEUE      64     /* power of two */

/* Spawn the keyboard task. `set_leds` (may be NULL) is called from the task with the
 * new LED byte when a lock key toggles. Returns the task id or task_spawn's error. */
int keyboard_init(void (*set_leds)(uint8_t leds));

/* A scancode arrived from a source; `waker` says who delivered it (TRACE_WAKER_IRQ(33)
 * for the PS/2 interrupt). Single producer at a time: IRQ context, or task context with
 * interrupts off (keyboard_inject does that). Never blocks. A full queue drops the byte
 * (counted in queue_drops, a key_drop with reason SCANCODE_QUEUE_FULL), and the keyboard
 * task releases every held Shift, Ctrl, Alt and lock key where the loss happened. */
void keyboard_input(uint8_t scancode, uint16_t waker);

/* Feed scancodes from task context (tests, replay): interrupts are held off around each
 * byte so the PS/2 interrupt cannot interleave. */
void keyboard_inject(const uint8_t *scancodes, size_t count);

/* Future: the next key event. True with *event filled in; false after registering the
 * current task to be woken when one arrives. One reader at a time. Task context. Keys
 * decoded while KEYBOARD_KEY_QUEUE wait unread are refused (key_drops, a key_drop with
 * reason SCANCODE_KEY_QUEUE_FULL, and one console line per run of drops): the reader
 * gets the oldest keys, in order, with the loss at the end. */
bool keyboard_read_key(struct key_event *event);

struct keyboard_stats {
    uint64_t scancodes;               /* bytes from every source */
    uint64_t keys;                    /* key events decoded */
    uint64_t refused;                 /* bytes (or prefix sequences) the decoder refused */
    uint64_t queue_drops;             /* bytes lost to a full scancode queue */
    uint64_t key_drops;               /* keys lost to a full key queue (the newest) */
    uint8_t leds;
};
void keyboard_get_stats(struct keyboard_stats *stats);

#endif
