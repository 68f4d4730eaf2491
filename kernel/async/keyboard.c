/*
 * keyboard.c - the keyboard task and its two queues (keyboard.h).
 *
 * Scancode queue: single producer (the IRQ handler, or an injector with IRQs off),
 * single consumer (the keyboard task). The producer writes the byte, then publishes
 * `scan_head`; the consumer reads the byte, then publishes `scan_tail`. Key queue: the
 * keyboard task produces, the reader consumes, both in task context. When it is full the
 * newest key is refused, never the oldest: a reader that comes back late must get the
 * start of what was typed, not a tail that reads as a command. (The shell reads all the
 * time now, during `sleep` and programs too, and while it is busy inside its own poll
 * the keyboard task cannot run either, so the scancode queue fills first; the key queue
 * filling is a last line of defence.)
 *
 * A full scancode queue drops the new byte and flags the newest queued entry
 * (SCAN_LOST_AFTER): once the task has decoded that byte it releases every held key,
 * because the lost bytes may hold a Shift or Ctrl release that would otherwise never come.
 *
 *   scan_tail: the oldest                        scan_head - 1: the newest
 *   [ 2a Shift | 1e A | 9e | ... | 1e A | 9e | 30 B + LOST ]   full: b0, aa dropped
 *   The task decodes left to right and, after the B, forgets the Shift whose release
 *   (aa) was lost: the keys typed next are not shifted.
 */
#include "keyboard.h"
#include "executor.h"
#include "kprintf.h"
#include "machine.h"
#include "trace.h"

#define SCAN_LOST_AFTER 0x100                  /* entry flag: bytes were lost after it */

static uint16_t scancodes[KEYBOARD_SCANCODE_QUEUE];  /* a byte, maybe | SCAN_LOST_AFTER */
static volatile uint32_t scan_head;            /* the producer only */
static volatile uint32_t scan_tail;            /* the keyboard task only */
static struct key_event keys[KEYBOARD_KEY_QUEUE];
static uint32_t key_head, key_tail;            /* task context only */
static uint16_t keyboard_task;                 /* its id, set at init */
static uint16_t reader;                        /* a task waiting in keyboard_read_key */
static void (*leds_handler)(uint8_t leds);
static struct scancode_decoder decoder;        /* the keyboard task only */
static struct keyboard_stats stats;
static bool keys_dropping;                     /* the key queue refused the last key */

void keyboard_input(uint8_t scancode, uint16_t waker)
{
    uint32_t head = scan_head;
    stats.scancodes++;
    if (head - scan_tail == KEYBOARD_SCANCODE_QUEUE) {
        /* The task reads only the oldest entry, and with the queue full that is not the
         * newest: the flag cannot race with its read. */
        scancodes[(head - 1) % KEYBOARD_SCANCODE_QUEUE] |= SCAN_LOST_AFTER;
        stats.queue_drops++;
        TRACE(key_drop, .scancode = scancode, .reason = SCANCODE_QUEUE_FULL);
        return;
    }
    scancodes[head % KEYBOARD_SCANCODE_QUEUE] = scancode;
    barrier();                                 /* the byte before the new head */
    scan_head = head + 1;
    task_wake(keyboard_task, waker);
}

void keyboard_inject(const uint8_t *codes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t flags = async_machine_irq_save();
        keyboard_input(codes[i], TRACE_WAKER_TASK(task_current_id()));
        async_machine_irq_restore(flags);
    }
}

/* Queue a decoded key for the reader; `byte` is the scancode that ended it. */
static void deliver(const struct key_event *event, uint8_t byte)
{
    TRACE(key, .key = event->key, .pressed = event->pressed, .ascii = (uint8_t)event->ascii);
    stats.keys++;
    if (key_head - key_tail == KEYBOARD_KEY_QUEUE) {
        /* Nobody has read for a while. Refuse this key: what is queued is the start of
         * what was typed, and keeping it whole is what makes the loss harmless. The
         * console hears of it once a run, as the run starts: the reader is elsewhere then,
         * so the line lands above its next prompt, worded as the shell words its own
         * losses. */
        stats.key_drops++;
        TRACE(key_drop, .scancode = byte, .reason = SCANCODE_KEY_QUEUE_FULL);
        if (!keys_dropping)
            kprintf("(keyboard: key queue full: keys dropped)\n");
        keys_dropping = true;
        return;
    }
    keys_dropping = false;
    keys[key_head % KEYBOARD_KEY_QUEUE] = *event;
    key_head++;
    if (reader) {
        uint16_t r = reader;
        reader = 0;
        task_wake(r, TRACE_WAKER_TASK(keyboard_task));
    }
}

static void refused(uint8_t byte, uint8_t reason)
{
    stats.refused++;
    TRACE(key_drop, .scancode = byte, .reason = reason);
}

/* Decode one byte. A byte that broke off a prefix sequence refuses that sequence (its
 * key_drop names the prefix byte) and is then decoded again on its own: the decoder
 * cannot abandon twice in a row, so this runs at most twice. */
static void decode(uint8_t byte)
{
    enum scancode_result result;
    do {
        struct key_event event;
        uint8_t refusal = 0, pending = decoder.prefix;
        result = scancode_decode(&decoder, byte, &event, &refusal);
        switch (result) {
        case SCANCODE_KEY:
            deliver(&event, byte);
            break;
        case SCANCODE_REFUSED:
            refused(byte, refusal);
            break;
        case SCANCODE_ABANDONED:
            refused(pending, refusal);
            break;
        case SCANCODE_MORE:
            break;
        }
    } while (result == SCANCODE_ABANDONED);
}

static enum poll keyboard_poll(struct task *task)
{
    (void)task;
    while (scan_tail != scan_head) {
        uint16_t entry = scancodes[scan_tail % KEYBOARD_SCANCODE_QUEUE];
        barrier();                             /* read the entry before freeing its slot */
        scan_tail = scan_tail + 1;

        uint8_t leds = scancode_leds(&decoder);
        decode((uint8_t)entry);
        if (entry & SCAN_LOST_AFTER) {
            uint8_t abandoned = scancode_lost(&decoder);
            if (abandoned)                     /* a sequence the lost bytes cut off */
                refused(abandoned, SCANCODE_MALFORMED);
        }
        if (scancode_leds(&decoder) != leds && leds_handler)
            leds_handler(scancode_leds(&decoder));
    }
    return POLL_PENDING;                       /* forever: woken by keyboard_input */
}

int keyboard_init(void (*set_leds)(uint8_t leds))
{
    scancode_init(&decoder);
    leds_handler = set_leds;
    scan_head = scan_tail = 0;
    key_head = key_tail = 0;
    stats = (struct keyboard_stats){ 0 };
    keys_dropping = false;
    reader = 0;
    int id = task_spawn("keyboard", keyboard_poll, NULL);
    if (id > 0)
        keyboard_task = (uint16_t)id;
    return id;
}

bool keyboard_read_key(struct key_event *event)
{
    if (key_tail != key_head) {
        *event = keys[key_tail % KEYBOARD_KEY_QUEUE];
        key_tail++;
        return true;
    }
    reader = task_current_id();
    return false;
}

void keyboard_get_stats(struct keyboard_stats *out)
{
    *out = stats;
    out->leds = scancode_leds(&decoder);
}
