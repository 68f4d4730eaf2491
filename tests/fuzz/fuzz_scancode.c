/*
 * fuzz_scancode.c - libFuzzer target for the PS/2 set-1 decoder (kernel/async/scancode.c):
 * the input is the byte stream from the i8042, fed to scancode_decode one byte at a time.
 * Beyond "never crashes", each result is checked against a model kept here from the
 * events alone: every key event names a key of keymap.def, a release carries no
 * character, and the modifiers it reports are exactly the modifier keys the events so far
 * left held plus the locks they toggled, a lock only on a make after its break (a
 * keyboard overrun, 0x00 or 0xff, releases every key). Refusals leave the decoder reset, but for an ACK or resend inside a sequence; a
 * byte that abandons a sequence is fed again, as the keyboard task does, and is never
 * abandoned twice.
 */
#include "fuzz.h"
#include "scancode.h"

enum { LETTER, SYMBOL, KEYPAD, MODIFIER, LOCK, OTHER };

struct key_row {
    uint16_t code;
    int kind;
};

static const struct key_row table[] = {
#define KEY(name, code, kind, plain, shifted) { code, kind },
#include "keymap.def"
#undef KEY
};

static int kind_of(uint16_t code)
{
    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        if (table[i].code == code)
            return table[i].kind;
    }
    return -1;
}

/* The model: which modifier keys are down, which locks are on, from the events alone. */
struct model {
    bool shift[2], ctrl[2], alt[2];
    uint8_t locks;
    uint8_t locks_down;                /* lock keys down: their repeats do not toggle */
};

/* A lock key toggles on a make that follows its break (or a start), not on a repeat. */
static void model_lock(struct model *m, uint8_t bit, bool pressed)
{
    if (pressed && !(m->locks_down & bit))
        m->locks ^= bit;
    m->locks_down = (uint8_t)(pressed ? m->locks_down | bit : m->locks_down & ~bit);
}

static void model_apply(struct model *m, const struct key_event *ev)
{
    switch (ev->key) {
    case KEY_Shift:      m->shift[0] = ev->pressed; break;
    case KEY_RightShift: m->shift[1] = ev->pressed; break;
    case KEY_Ctrl:       m->ctrl[0] = ev->pressed; break;
    case KEY_RightCtrl:  m->ctrl[1] = ev->pressed; break;
    case KEY_Alt:        m->alt[0] = ev->pressed; break;
    case KEY_RightAlt:   m->alt[1] = ev->pressed; break;
    case KEY_CapsLock:   model_lock(m, KEYMOD_CAPS, ev->pressed); break;
    case KEY_NumLock:    model_lock(m, KEYMOD_NUM, ev->pressed); break;
    case KEY_ScrollLock: model_lock(m, KEYMOD_SCROLL, ev->pressed); break;
    default: break;
    }
}

static uint8_t model_modifiers(const struct model *m)
{
    uint8_t mods = m->locks;
    if (m->shift[0] || m->shift[1])
        mods |= KEYMOD_SHIFT;
    if (m->ctrl[0] || m->ctrl[1])
        mods |= KEYMOD_CTRL;
    if (m->alt[0] || m->alt[1])
        mods |= KEYMOD_ALT;
    return mods;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scancode_decoder d;
    struct model m = { 0 };
    scancode_init(&d);
    bool again = false;                            /* data[i] abandoned a sequence */
    for (size_t i = 0; i < size; i += !again) {
        struct key_event ev = { 0 };
        uint8_t why = 0, pending = d.prefix;
        enum scancode_result r = scancode_decode(&d, data[i], &ev, &why);
        FUZZ_CHECK(d.prefix == 0 || d.prefix == 0xe0 || d.prefix == 0xe1);
        FUZZ_CHECK(d.pause_index < 6);
        FUZZ_CHECK(!again || r != SCANCODE_ABANDONED);
        again = r == SCANCODE_ABANDONED;
        switch (r) {
        case SCANCODE_MORE:
            break;
        case SCANCODE_ABANDONED:
            FUZZ_CHECK(pending != 0 && why == SCANCODE_MALFORMED);
            FUZZ_CHECK(d.prefix == 0 && d.pause_index == 0);
            break;
        case SCANCODE_REFUSED:
            FUZZ_CHECK(why == SCANCODE_UNKNOWN || why == SCANCODE_REPLY);
            if (pending && (data[i] == 0xfa || data[i] == 0xfe))
                FUZZ_CHECK(d.prefix == pending);           /* the sequence goes on */
            else
                FUZZ_CHECK(d.prefix == 0 && d.pause_index == 0);
            if (data[i] == 0x00 || data[i] == 0xff) {      /* overrun: all released */
                FUZZ_CHECK(why == SCANCODE_REPLY);
                m.shift[0] = m.shift[1] = m.ctrl[0] = m.ctrl[1] = m.alt[0] = m.alt[1] = false;
                m.locks_down = 0;
            }
            break;
        case SCANCODE_KEY: {
            int kind = kind_of(ev.key);
            FUZZ_CHECK(kind >= 0 && key_name(ev.key) != NULL);
            FUZZ_CHECK(ev.pressed || ev.ascii == 0);
            FUZZ_CHECK(ev.key != KEY_Pause || ev.pressed);   /* Pause has no break code */
            if (kind == MODIFIER || kind == LOCK)
                FUZZ_CHECK(ev.ascii == 0);
            if (kind == LETTER && ev.pressed && (ev.modifiers & KEYMOD_CTRL))
                FUZZ_CHECK(ev.ascii >= 1 && ev.ascii <= 26);
            model_apply(&m, &ev);
            FUZZ_CHECK(ev.modifiers == model_modifiers(&m));
            break;
        }
        default:
            FUZZ_CHECK(!"scancode_decode returned no known result");
        }
        uint8_t leds = scancode_leds(&d);
        FUZZ_CHECK(leds == ((m.locks & KEYMOD_SCROLL ? 1 : 0) | (m.locks & KEYMOD_NUM ? 2 : 0) |
                            (m.locks & KEYMOD_CAPS ? 4 : 0)));
    }
    return 0;
}
