/*
 * scancode.h - PS/2 scancode set 1 -> key events, as a pure state machine: make and break
 * codes, E0-prefixed keys, the six-byte Pause sequence, Shift/Ctrl/Alt, the three lock
 * keys and their LEDs, and US-layout characters (kernel/async/keymap.def). Bytes that are
 * not keys (controller replies, garbage, broken sequences) are refused with a reason,
 * never a crash. A broken sequence costs only its prefix: the byte that broke it is
 * decoded afresh. Used by the keyboard task; host tests drive it directly.
 */
#ifndef LOCKSTEP_ASYNC_SCANCODE_H
#define LOCKSTEP_ASYNC_SCANCODE_H

#include "compiler.h"

/* Key codes: KEY_A, KEY_Enter, KEY_Up... one per keymap.def line. */
enum key_code {
    KEY_NONE = 0,
#define KEY(name, code, kind, plain, shifted) KEY_##name = code,
#include "keymap.def"
#undef KEY
};

/* Modifier and lock state carried by every event. */
#define KEYMOD_SHIFT  0x01
#define KEYMOD_CTRL   0x02
#define KEYMOD_ALT    0x04
#define KEYMOD_CAPS   0x08            /* Caps Lock on */
#define KEYMOD_NUM    0x10            /* Num Lock on */
#define KEYMOD_SCROLL 0x20            /* Scroll Lock on */

struct key_event {
    uint16_t key;                     /* enum key_code */
    bool pressed;                     /* false: released */
    uint8_t modifiers;                /* KEYMOD_*, after this key */
    char ascii;                       /* the character typed (presses only), or 0 */
};

/* Why a byte was refused: the key_drop trace reason, a u8 (the values are the record's
 * wire format: append only, never renumber). */
enum scancode_refusal {
    SCANCODE_UNKNOWN = 1,             /* no key has this code */
    SCANCODE_MALFORMED = 2,           /* a prefix sequence broken off (scancode: 0xe0/0xe1) */
    SCANCODE_QUEUE_FULL = 3,          /* (the keyboard's scancode queue: no room) */
    SCANCODE_REPLY = 4,               /* a controller reply: ACK, resend, echo, error */
    SCANCODE_KEY_QUEUE_FULL = 5,      /* (the keyboard's key queue: no room for a key;
                                         scancode: the byte that ended it) */
};

enum scancode_result {
    SCANCODE_MORE,                    /* part of a sequence: nothing yet */
    SCANCODE_KEY,                     /* *event is a key event */
    SCANCODE_REFUSED,                 /* *refusal says why; the decoder is reset, except
                                         that an ACK or resend (0xfa, 0xfe) inside a
                                         prefix sequence leaves the sequence pending */
    SCANCODE_ABANDONED,               /* this byte cannot continue the pending prefix
                                         sequence: the sequence is refused (*refusal:
                                         SCANCODE_MALFORMED), the decoder reset, and the
                                         byte NOT used: feed it again */
};

struct scancode_decoder {
    uint8_t prefix;                   /* 0, 0xe0, or 0xe1 while in the Pause sequence */
    uint8_t pause_index;              /* bytes of the Pause sequence seen */
    uint8_t held;                     /* left/right Shift, Ctrl, Alt held (bits below) */
    uint8_t locks;                    /* KEYMOD_CAPS | KEYMOD_NUM | KEYMOD_SCROLL */
    uint8_t locks_down;               /* those lock keys held down (KEYMOD_ bits): the
                                         typematic repeat of a held one does not toggle */
};

/* A decoder with nothing held and every lock off. */
void scancode_init(struct scancode_decoder *decoder);

/* Feed one byte. Cannot fail; pure. SCANCODE_ABANDONED comes only while a prefix is
 * pending (decoder->prefix is the byte a caller names when it records the refusal), and
 * the same byte fed again cannot be abandoned twice. The keyboard's overrun bytes (0x00,
 * 0xff: its buffer overflowed, releases may be lost) are refused as replies and also
 * release every held Shift, Ctrl, Alt and lock key. */
enum scancode_result scancode_decode(struct scancode_decoder *decoder, uint8_t byte,
                                     struct key_event *event, uint8_t *refusal);

/* Bytes were lost after the last one fed (a queue overflowed): a release may be among
 * them. Every held Shift, Ctrl, Alt and lock key now reads as released (the safe side:
 * one really still held reads as up until its next make; a lost break can no longer leave
 * one stuck), and a pending prefix sequence is forgotten; the locks stay as they are.
 * Returns the forgotten prefix byte (0xe0, 0xe1), for the caller to record as a
 * SCANCODE_MALFORMED refusal, or 0 if none was pending. Cannot fail. */
uint8_t scancode_lost(struct scancode_decoder *decoder);

/* The lock LEDs as the PS/2 "set LEDs" command wants them: bit 0 Scroll, 1 Num, 2 Caps. */
uint8_t scancode_leds(const struct scancode_decoder *decoder);

/* The key's name ("Enter", "A", "Up"), or NULL for an unknown code. */
const char *key_name(uint16_t key);

#endif
