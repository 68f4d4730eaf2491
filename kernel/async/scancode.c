/*
 * scancode.c - the set-1 decoder (scancode.h). Set 1 is what the i8042 hands us with
 * translation on (IBM PC/AT Technical Reference; OSDev "PS/2 Keyboard"): one byte per
 * make code, make | 0x80 to break; E0 before the keys added with the 101-key keyboard;
 * E1 1D 45 E1 9D C5 for Pause, which has no break. E0 2A / E0 AA / E0 36 / E0 B6 are
 * "fake shifts" the keyboard wraps around some E0 keys (Print Screen, the arrows with
 * Num Lock on): they carry no key and are skipped.
 *
 * Recovery: a byte that cannot continue a pending E0 or E1 sequence ends it. Only the
 * sequence is refused; the byte itself is decoded afresh (SCANCODE_ABANDONED), because
 * throwing it away too would lose a real key, or worse a release, and a lost release of
 * Ctrl or Shift leaves it held for every key after.
 */
#include "scancode.h"

enum key_kind { LETTER, SYMBOL, KEYPAD, MODIFIER, LOCK, OTHER };

struct key_entry {
    uint16_t code;
    uint8_t kind;
    char plain, shifted;
    const char *name;
};

static const struct key_entry keys[] = {
#define KEY(name, code, kind, plain, shifted) { code, kind, plain, shifted, #name },
#include "keymap.def"
#undef KEY
};

/* Held-modifier bits in struct scancode_decoder.held. */
#define HELD_LSHIFT 0x01
#define HELD_RSHIFT 0x02
#define HELD_LCTRL  0x04
#define HELD_RCTRL  0x08
#define HELD_LALT   0x10
#define HELD_RALT   0x20

static const uint8_t pause_sequence[] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 };

static const struct key_entry *find(uint16_t code)
{
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (keys[i].code == code)
            return &keys[i];
    }
    return NULL;
}

const char *key_name(uint16_t code)
{
    const struct key_entry *k = find(code);
    return k ? k->name : NULL;
}

void scancode_init(struct scancode_decoder *d)
{
    *d = (struct scancode_decoder){ 0 };
}

uint8_t scancode_leds(const struct scancode_decoder *d)
{
    return (uint8_t)((d->locks & KEYMOD_SCROLL ? 1 : 0) | (d->locks & KEYMOD_NUM ? 2 : 0) |
                     (d->locks & KEYMOD_CAPS ? 4 : 0));
}

static uint8_t modifiers(const struct scancode_decoder *d)
{
    uint8_t m = d->locks;
    if (d->held & (HELD_LSHIFT | HELD_RSHIFT))
        m |= KEYMOD_SHIFT;
    if (d->held & (HELD_LCTRL | HELD_RCTRL))
        m |= KEYMOD_CTRL;
    if (d->held & (HELD_LALT | HELD_RALT))
        m |= KEYMOD_ALT;
    return m;
}

static uint8_t held_bit(uint16_t code)
{
    switch (code) {
    case KEY_Shift:      return HELD_LSHIFT;
    case KEY_RightShift: return HELD_RSHIFT;
    case KEY_Ctrl:       return HELD_LCTRL;
    case KEY_RightCtrl:  return HELD_RCTRL;
    case KEY_Alt:        return HELD_LALT;
    case KEY_RightAlt:   return HELD_RALT;
    default:             return 0;
    }
}

static uint8_t lock_bit(uint16_t code)
{
    switch (code) {
    case KEY_CapsLock:   return KEYMOD_CAPS;
    case KEY_NumLock:    return KEYMOD_NUM;
    case KEY_ScrollLock: return KEYMOD_SCROLL;
    default:             return 0;
    }
}

static char character(const struct key_entry *k, uint8_t mods)
{
    bool shift = mods & KEYMOD_SHIFT;
    switch (k->kind) {
    case LETTER:
        if (mods & KEYMOD_CTRL)
            return (char)(k->plain & 0x1f);       /* Ctrl+A = 1 ... Ctrl+Z = 26 */
        return shift != !!(mods & KEYMOD_CAPS) ? k->shifted : k->plain;
    case SYMBOL:
        return shift ? k->shifted : k->plain;
    case KEYPAD:
        return mods & KEYMOD_NUM ? k->plain : 0;
    case OTHER:
        return k->plain;
    default:
        return 0;
    }
}

static enum scancode_result refuse(struct scancode_decoder *d, uint8_t *refusal, uint8_t why)
{
    d->prefix = 0;
    d->pause_index = 0;
    *refusal = why;
    return SCANCODE_REFUSED;
}

/* The pending sequence cannot go on with this byte: refuse the sequence, not the byte,
 * which the caller feeds again to a clean decoder. */
static enum scancode_result abandon(struct scancode_decoder *d, uint8_t *refusal)
{
    refuse(d, refusal, SCANCODE_MALFORMED);
    return SCANCODE_ABANDONED;
}

static bool is_reply(uint8_t byte)
{
    /* ACK, resend, echo, self-test passed/failed, key detection error/overrun. */
    return byte == 0xfa || byte == 0xfe || byte == 0xee || byte == 0xfc || byte == 0xfd ||
           byte == 0x00 || byte == 0xff;
}

/* ACK and resend answer a command (the LED update), and the keyboard sends one as soon as
 * the command arrives, which may be between E0 and its code: skipped, the sequence goes on. */
static bool is_command_reply(uint8_t byte)
{
    return byte == 0xfa || byte == 0xfe;
}

/* Key detection error or internal buffer overrun (0x00 or 0xff, depending on the
 * keyboard): the keyboard itself dropped bytes, perhaps a release. */
static bool is_overrun(uint8_t byte)
{
    return byte == 0x00 || byte == 0xff;
}

/* Forget every held modifier and lock key: after a loss a release may be missing, and a
 * key that reads as released when it is held is the safe side of a key that reads as held
 * forever (a lock key held forever would never toggle again). */
static void release_held(struct scancode_decoder *d)
{
    d->held = 0;
    d->locks_down = 0;                            /* the next press toggles */
}

uint8_t scancode_lost(struct scancode_decoder *d)
{
    uint8_t abandoned = d->prefix;
    release_held(d);
    d->prefix = 0;                                /* its continuation may be lost too */
    d->pause_index = 0;
    return abandoned;
}

enum scancode_result scancode_decode(struct scancode_decoder *d, uint8_t byte,
                                     struct key_event *event, uint8_t *refusal)
{
    if (d->prefix && is_command_reply(byte)) {
        *refusal = SCANCODE_REPLY;                /* the sequence stays pending */
        return SCANCODE_REFUSED;
    }
    if (d->prefix == 0xe1) {                      /* inside Pause: all six bytes or none */
        if (byte != pause_sequence[d->pause_index])
            return abandon(d, refusal);
        if (++d->pause_index < sizeof(pause_sequence))
            return SCANCODE_MORE;
        d->prefix = 0;
        d->pause_index = 0;
        *event = (struct key_event){ .key = KEY_Pause, .pressed = true,
                                     .modifiers = modifiers(d) };
        return SCANCODE_KEY;
    }
    if (byte == 0xe0 || byte == 0xe1) {
        if (d->prefix)                            /* a prefix after a prefix */
            return abandon(d, refusal);           /* the second one starts afresh */
        d->prefix = byte;
        d->pause_index = 1;
        return SCANCODE_MORE;
    }
    if (is_reply(byte)) {
        if (d->prefix)
            return abandon(d, refusal);
        if (is_overrun(byte))
            release_held(d);
        return refuse(d, refusal, SCANCODE_REPLY);
    }

    bool extended = d->prefix == 0xe0;
    d->prefix = 0;
    d->pause_index = 0;
    uint8_t make = byte & 0x7f;
    if (extended && (make == 0x2a || make == 0x36))
        return SCANCODE_MORE;                     /* fake shift: no key */
    uint16_t code = (uint16_t)((extended ? 0x100 : 0) | make);
    const struct key_entry *k = find(code);
    if (!k)
        return refuse(d, refusal, SCANCODE_UNKNOWN);

    bool pressed = !(byte & 0x80);
    if (k->kind == MODIFIER) {
        uint8_t bit = held_bit(code);
        d->held = pressed ? (uint8_t)(d->held | bit) : (uint8_t)(d->held & ~bit);
    } else if (k->kind == LOCK) {
        /* A held key repeats its make code; only the first make after a break toggles,
         * or how long Caps Lock was held would decide whether it ends up on. */
        uint8_t bit = lock_bit(code);
        if (pressed && !(d->locks_down & bit))
            d->locks ^= bit;
        d->locks_down = (uint8_t)(pressed ? d->locks_down | bit : d->locks_down & ~bit);
    }
    uint8_t mods = modifiers(d);
    *event = (struct key_event){
        .key = code, .pressed = pressed, .modifiers = mods,
        .ascii = pressed ? character(k, mods) : 0,
    };
    return SCANCODE_KEY;
}
