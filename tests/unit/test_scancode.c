/*
 * test_scancode.c - the set-1 decoder (kernel/async/scancode.c) over the whole table:
 * every key of kernel/async/keymap.def, make and break, with and without its E0 prefix,
 * under Shift, Caps Lock, Ctrl and Num Lock; Pause; fake shifts; controller replies;
 * broken sequences (only the prefix is lost, never the byte that broke it); and the LED
 * byte. Hand-pinned cases check the table itself.
 */
#include "unit.h"
#include "scancode.h"

enum { LETTER, SYMBOL, KEYPAD, MODIFIER, LOCK, OTHER };

struct row {
    const char *name;
    uint16_t code;
    int kind;
    char plain, shifted;
};

static const struct row table[] = {
#define KEY(name, code, kind, plain, shifted) { #name, code, kind, plain, shifted },
#include "keymap.def"
#undef KEY
};

static struct scancode_decoder d;
static struct key_event ev;
static uint8_t why;

/* Feed the bytes of one key transition; expect exactly one event at the end. */
static void press(uint16_t code, bool pressed)
{
    uint8_t make = code & 0x7f;
    uint8_t byte = pressed ? make : (uint8_t)(make | 0x80);
    if (code & 0x100)
        CHECK_EQ(scancode_decode(&d, 0xe0, &ev, &why), SCANCODE_MORE);
    CHECK_EQ(scancode_decode(&d, byte, &ev, &why), SCANCODE_KEY);
    CHECK_EQ(ev.key, code);
    CHECK_EQ(ev.pressed, pressed);
}

static char expected_char(const struct row *r, bool shift, bool caps, bool ctrl, bool num)
{
    switch (r->kind) {
    case LETTER: return ctrl ? (char)(r->plain & 0x1f) : (shift != caps ? r->shifted : r->plain);
    case SYMBOL: return shift ? r->shifted : r->plain;
    case KEYPAD: return num ? r->plain : 0;
    case OTHER:  return r->plain;
    default:     return 0;
    }
}

static void check_every_key(bool shift, bool caps, bool ctrl, bool num)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const struct row *r = &table[i];
        if (r->kind == MODIFIER || r->kind == LOCK || r->code == KEY_Pause)
            continue;
        scancode_init(&d);
        if (caps) { press(KEY_CapsLock, true); press(KEY_CapsLock, false); }
        if (num) { press(KEY_NumLock, true); press(KEY_NumLock, false); }
        if (shift) press(KEY_Shift, true);
        if (ctrl) press(KEY_Ctrl, true);
        press(r->code, true);
        if (ev.ascii != expected_char(r, shift, caps, ctrl, num))
            UNIT_FAIL("%s (0x%x) shift=%d caps=%d ctrl=%d num=%d typed %d, expected %d",
                      r->name, r->code, shift, caps, ctrl, num, ev.ascii,
                      expected_char(r, shift, caps, ctrl, num));
        CHECK_EQ(!!(ev.modifiers & KEYMOD_SHIFT), shift);
        CHECK_EQ(!!(ev.modifiers & KEYMOD_CTRL), ctrl);
        press(r->code, false);
        CHECK_EQ(ev.ascii, 0);                   /* releases type nothing */
        CHECK_STR(key_name(r->code), r->name);
    }
}

TEST(every_key_plain) { check_every_key(false, false, false, false); }
TEST(every_key_with_shift) { check_every_key(true, false, false, false); }
TEST(every_key_with_caps_lock) { check_every_key(false, true, false, false); }
TEST(every_key_with_shift_and_caps_lock) { check_every_key(true, true, false, false); }
TEST(every_key_with_ctrl) { check_every_key(false, false, true, false); }
TEST(every_key_with_num_lock) { check_every_key(false, false, false, true); }

TEST(table_is_set_1_by_hand)
{
    /* A few rows checked against the IBM set-1 chart rather than the table. */
    scancode_init(&d);
    press(0x1e, true);
    CHECK_EQ(ev.ascii, 'a');
    press(0x1c, true);
    CHECK_EQ(ev.ascii, '\n');
    press(0x148, true);                          /* E0 48: Up */
    CHECK_EQ(ev.key, KEY_Up);
    CHECK_EQ(KEY_Up, 0x148);
    CHECK_EQ(KEY_Delete, 0x153);
    CHECK_EQ(KEY_F12, 0x58);
    CHECK_EQ(KEY_Space, 0x39);
    press(0x36, true);                           /* right Shift */
    press(0x02, true);
    CHECK_EQ(ev.ascii, '!');
    press(0x36, false);
    press(0x11d, true);                          /* right Ctrl */
    press(0x2e, true);
    CHECK_EQ(ev.ascii, 3);                       /* Ctrl+C */
}

TEST(every_modifier_tracks_held_state)
{
    const uint16_t mods[] = { KEY_Shift, KEY_RightShift, KEY_Ctrl, KEY_RightCtrl, KEY_Alt,
                              KEY_RightAlt };
    const uint8_t bits[] = { KEYMOD_SHIFT, KEYMOD_SHIFT, KEYMOD_CTRL, KEYMOD_CTRL,
                             KEYMOD_ALT, KEYMOD_ALT };
    for (size_t i = 0; i < 6; i++) {
        scancode_init(&d);
        press(mods[i], true);
        CHECK_EQ(ev.modifiers & bits[i], bits[i]);
        press(mods[i], false);
        CHECK_EQ(ev.modifiers & bits[i], 0);
    }
    scancode_init(&d);                           /* left and right Shift together */
    press(KEY_Shift, true);
    press(KEY_RightShift, true);
    press(KEY_Shift, false);
    press(KEY_A, true);
    CHECK_EQ(ev.ascii, 'A');
}

TEST(lock_keys_toggle_and_set_leds)
{
    scancode_init(&d);
    CHECK_EQ(scancode_leds(&d), 0);
    press(KEY_CapsLock, true);
    CHECK_EQ(scancode_leds(&d), 4);
    press(KEY_CapsLock, false);
    CHECK_EQ(scancode_leds(&d), 4);              /* release changes nothing */
    press(KEY_NumLock, true);
    press(KEY_ScrollLock, true);
    CHECK_EQ(scancode_leds(&d), 7);
    press(KEY_CapsLock, true);
    CHECK_EQ(scancode_leds(&d), 3);
    CHECK_EQ(ev.modifiers & (KEYMOD_CAPS | KEYMOD_NUM | KEYMOD_SCROLL),
             KEYMOD_NUM | KEYMOD_SCROLL);
}

/* Regression (review): a held Caps Lock repeats its make code, and every repeat toggled
 * it, so three makes and a break left it on and two left it off: whether Caps Lock ended
 * up on depended on how long it was held. Only a make after a break toggles now. */
TEST(a_held_caps_lock_toggles_once_not_on_every_repeat)
{
    const uint16_t locks[] = { KEY_CapsLock, KEY_NumLock, KEY_ScrollLock };
    const uint8_t leds[] = { 4, 2, 1 };
    for (size_t i = 0; i < 3; i++) {
        for (int repeats = 1; repeats <= 4; repeats++) {
            scancode_init(&d);
            for (int r = 0; r < repeats; r++)
                press(locks[i], true);
            CHECK_EQ(scancode_leds(&d), leds[i]);
            press(locks[i], false);
            CHECK_EQ(scancode_leds(&d), leds[i]);
            press(locks[i], true);                   /* a new press: off again */
            press(locks[i], true);
            press(locks[i], false);
            CHECK_EQ(scancode_leds(&d), 0);
        }
    }
    /* An overrun may have eaten the release: the next make toggles, as after a release. */
    scancode_init(&d);
    press(KEY_CapsLock, true);
    CHECK_EQ(scancode_decode(&d, 0xff, &ev, &why), SCANCODE_REFUSED);
    press(KEY_CapsLock, true);
    CHECK_EQ(scancode_leds(&d), 0);
}

TEST(pause_is_six_bytes_and_one_key)
{
    const uint8_t seq[] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 };
    scancode_init(&d);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(scancode_decode(&d, seq[i], &ev, &why), SCANCODE_MORE);
    CHECK_EQ(scancode_decode(&d, seq[5], &ev, &why), SCANCODE_KEY);
    CHECK_EQ(ev.key, KEY_Pause);
    CHECK(ev.pressed);
    press(KEY_A, true);                          /* and the decoder is back to normal */
}

/* A byte that breaks off a sequence: the sequence is abandoned (refused as malformed) and
 * the byte handed back, unused, with the decoder clean for it. */
static void check_abandoned(uint8_t byte)
{
    why = 0;
    CHECK_EQ(scancode_decode(&d, byte, &ev, &why), SCANCODE_ABANDONED);
    CHECK_EQ(why, SCANCODE_MALFORMED);
    CHECK_EQ(d.prefix, 0);
    CHECK_EQ(d.pause_index, 0);
}

TEST(broken_sequences_are_refused_and_recovered_from)
{
    scancode_init(&d);
    CHECK_EQ(scancode_decode(&d, 0xe1, &ev, &why), SCANCODE_MORE);
    CHECK_EQ(scancode_decode(&d, 0x1d, &ev, &why), SCANCODE_MORE);
    check_abandoned(0x99);
    CHECK_EQ(scancode_decode(&d, 0x99, &ev, &why), SCANCODE_KEY);   /* fed again: P up */
    CHECK(ev.key == KEY_P && !ev.pressed);
    press(KEY_B, true);
    CHECK_EQ(scancode_decode(&d, 0xe0, &ev, &why), SCANCODE_MORE);
    check_abandoned(0xe0);
    press(KEY_Up, true);                         /* the second E0 starts the Up */
    CHECK_EQ(scancode_decode(&d, 0xe0, &ev, &why), SCANCODE_MORE);
    check_abandoned(0xee);                       /* a reply breaks it, and is refused */
    CHECK_EQ(scancode_decode(&d, 0xee, &ev, &why), SCANCODE_REFUSED);
    CHECK_EQ(why, SCANCODE_REPLY);
    CHECK_EQ(scancode_decode(&d, 0xe0, &ev, &why), SCANCODE_MORE);
    CHECK_EQ(scancode_decode(&d, 0x01, &ev, &why), SCANCODE_REFUSED);   /* no E0 01 */
    CHECK_EQ(why, SCANCODE_UNKNOWN);
    CHECK_EQ(scancode_decode(&d, 0x59, &ev, &why), SCANCODE_REFUSED);   /* no such key */
    CHECK_EQ(why, SCANCODE_UNKNOWN);
}

TEST(controller_replies_are_not_keys)
{
    const uint8_t replies[] = { 0xfa, 0xfe, 0xee, 0xfc, 0xfd, 0x00, 0xff };
    scancode_init(&d);
    for (size_t i = 0; i < sizeof(replies); i++) {
        CHECK_EQ(scancode_decode(&d, replies[i], &ev, &why), SCANCODE_REFUSED);
        CHECK_EQ(why, SCANCODE_REPLY);
    }
}

TEST(fake_shifts_around_e0_keys_are_skipped)
{
    /* Print Screen: E0 2A E0 37 ... E0 B7 E0 AA */
    scancode_init(&d);
    CHECK_EQ(scancode_decode(&d, 0xe0, &ev, &why), SCANCODE_MORE);
    CHECK_EQ(scancode_decode(&d, 0x2a, &ev, &why), SCANCODE_MORE);
    press(KEY_PrintScreen, true);
    CHECK_EQ(ev.modifiers & KEYMOD_SHIFT, 0);
    press(KEY_PrintScreen, false);
    CHECK_EQ(scancode_decode(&d, 0xe0, &ev, &why), SCANCODE_MORE);
    CHECK_EQ(scancode_decode(&d, 0xaa, &ev, &why), SCANCODE_MORE);
}

TEST(every_byte_is_handled)
{
    for (unsigned prefix = 0; prefix < 3; prefix++) {
        for (unsigned b = 0; b < 256; b++) {
            scancode_init(&d);
            if (prefix == 1)
                scancode_decode(&d, 0xe0, &ev, &why);
            if (prefix == 2)
                scancode_decode(&d, 0xe1, &ev, &why);
            enum scancode_result r = scancode_decode(&d, (uint8_t)b, &ev, &why);
            CHECK(r == SCANCODE_MORE || r == SCANCODE_KEY || r == SCANCODE_REFUSED ||
                  (r == SCANCODE_ABANDONED && prefix != 0));
            if (r == SCANCODE_ABANDONED) {            /* fed again: anything but that */
                r = scancode_decode(&d, (uint8_t)b, &ev, &why);
                CHECK(r == SCANCODE_MORE || r == SCANCODE_KEY || r == SCANCODE_REFUSED);
            }
            if (r == SCANCODE_KEY)
                CHECK(key_name(ev.key) != NULL);
        }
    }
}

/* Regression (review): E0 1D (RightCtrl down), a stray E0, E0 9D (RightCtrl up). The
 * stray E0 and the next one were refused together, the 9D then read as the left Ctrl's
 * release, and the right Ctrl stayed held: every later key was Ctrl+key. */
TEST(a_stray_e0_before_a_right_ctrl_release_does_not_leave_ctrl_held)
{
    scancode_init(&d);
    press(KEY_RightCtrl, true);
    CHECK_EQ(scancode_decode(&d, 0xe0, &ev, &why), SCANCODE_MORE);    /* the stray one */
    check_abandoned(0xe0);
    press(KEY_RightCtrl, false);                 /* the E0 fed again, then 9D */
    CHECK_EQ(ev.modifiers & KEYMOD_CTRL, 0);
    press(KEY_A, true);
    CHECK_EQ(ev.ascii, 'a');
    CHECK_EQ(ev.modifiers & KEYMOD_CTRL, 0);
}

/* Regression (review): `raw e0` then `key Up` lost the Up (E0 E0 48: both E0s refused,
 * 48 read as Keypad8), and `raw e1` then `type x` lost the x (E1 2D refused whole). */
TEST(a_stray_prefix_does_not_eat_the_next_key)
{
    scancode_init(&d);
    CHECK_EQ(scancode_decode(&d, 0xe0, &ev, &why), SCANCODE_MORE);
    check_abandoned(0xe0);
    press(KEY_Up, true);
    press(KEY_Up, false);
    CHECK_EQ(scancode_decode(&d, 0xe1, &ev, &why), SCANCODE_MORE);
    check_abandoned(0x2d);
    press(KEY_X, true);
    CHECK_EQ(ev.ascii, 'x');
    press(KEY_X, false);
    /* Deep inside Pause too: E1 1D 45 E1, then Shift's make code, not 9D. */
    const uint8_t partial[] = { 0xe1, 0x1d, 0x45, 0xe1 };
    for (size_t i = 0; i < sizeof(partial); i++)
        CHECK_EQ(scancode_decode(&d, partial[i], &ev, &why), SCANCODE_MORE);
    check_abandoned(0x2a);
    press(KEY_Shift, true);
    CHECK_EQ(ev.modifiers & KEYMOD_SHIFT, KEYMOD_SHIFT);
}

/* The keyboard ACKs the LED command the moment it arrives, which can be inside a sequence:
 * the ACK (or a resend request) is refused and the sequence goes on. */
TEST(an_ack_inside_a_prefix_sequence_is_skipped)
{
    const uint8_t pause[] = { 0xe1, 0x1d, 0xfa, 0x45, 0xe1, 0xfe, 0x9d, 0xc5 };
    scancode_init(&d);
    CHECK_EQ(scancode_decode(&d, 0xe0, &ev, &why), SCANCODE_MORE);
    CHECK_EQ(scancode_decode(&d, 0xfa, &ev, &why), SCANCODE_REFUSED);
    CHECK_EQ(why, SCANCODE_REPLY);
    CHECK_EQ(d.prefix, 0xe0);
    CHECK_EQ(scancode_decode(&d, 0x48, &ev, &why), SCANCODE_KEY);
    CHECK_EQ(ev.key, KEY_Up);
    for (size_t i = 0; i + 1 < sizeof(pause); i++) {
        enum scancode_result r = scancode_decode(&d, pause[i], &ev, &why);
        CHECK_EQ(r, pause[i] == 0xfa || pause[i] == 0xfe ? SCANCODE_REFUSED : SCANCODE_MORE);
    }
    CHECK_EQ(scancode_decode(&d, 0xc5, &ev, &why), SCANCODE_KEY);
    CHECK_EQ(ev.key, KEY_Pause);
}

/* 0x00 / 0xff: the keyboard's own buffer overran and bytes are gone, perhaps a release;
 * every held modifier reads as released from there on, inside a sequence or not. */
TEST(a_keyboard_overrun_releases_held_modifiers)
{
    const uint8_t overrun[] = { 0x00, 0xff };
    for (size_t i = 0; i < sizeof(overrun); i++) {
        scancode_init(&d);
        press(KEY_Shift, true);
        press(KEY_RightCtrl, true);
        press(KEY_Alt, true);
        CHECK_EQ(scancode_decode(&d, overrun[i], &ev, &why), SCANCODE_REFUSED);
        CHECK_EQ(why, SCANCODE_REPLY);
        press(KEY_A, true);
        CHECK_EQ(ev.ascii, 'a');
        CHECK_EQ(ev.modifiers & (KEYMOD_SHIFT | KEYMOD_CTRL | KEYMOD_ALT), 0);
        press(KEY_Shift, true);
        CHECK_EQ(scancode_decode(&d, 0xe0, &ev, &why), SCANCODE_MORE);
        check_abandoned(overrun[i]);
        CHECK_EQ(scancode_decode(&d, overrun[i], &ev, &why), SCANCODE_REFUSED);
        press(KEY_A, true);
        CHECK_EQ(ev.ascii, 'a');
    }
}
