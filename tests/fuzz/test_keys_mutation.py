"""Randomized robustness test of the .keys parser (tools/keys.py parse()), which libFuzzer
cannot drive: seeded mutations of every real tests/golden/*.keys file (characters flipped,
inserted, deleted; lines dropped, doubled, swapped; numbers and words replaced by edge
cases; timed files rewritten as recorded ones) must each give a parse or a KeysError that
names FILE:LINE, never another exception. A file that parses must also compile to a
replay log that decodes back to the same entries. Failures print the mutant's seed."""
import glob
import os
import random
import re
import zlib

import pytest

from conftest import ROOT
import keys as keysfile

GOLDEN = sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "*.keys")))
MUTANTS = 300                          # per golden file: about 10000 in all, 2 seconds
LOG_TICKS = 20000                      # compile only files this short (entries() is per tick)

# Characters a mutation inserts: printable ASCII, control bytes, and Unicode that Python's
# str methods treat specially (whitespace, digits int() refuses or accepts, a BOM).
ALPHABET = [chr(c) for c in range(32, 127)] + list("\t\r\x00\x0b\x0c\x1c\x85\xa0\u2028") + \
    ["\u00b2", "\u0663", "\u00e9", "\ufeff", "\U0001d7d9"]
WORDS = ["type", "key", "down", "up", "raw", "wait", "tick", "in-program", "Ctrl+", "+",
         "Shift+Ctrl+C", "Ctrl+Alt+Delete", "Pause", "Enter", "enter", "ff", "0x100", "0xff",
         "xyz", "#", "@", "=", "=0", "@0", "+0", "=4294967295", "@360001", "tick 1"]
NUMBERS = ["0", "1", "-1", "00", "360000", "360001", "4294967295", "4294967296",
           "99999999999999999999", "9" * 5000, "\u0663", "\u00b2", "1e3", "0x10"]


def recorded(text, rng):
    """The same inputs as a recorded file: =B boundaries counting up, with tick lines."""
    out, boundary, ticks = [], 0, 0
    for line in text.split("\n"):
        m = re.match(r"(\s*)[@+]\d+(.*)$", line)
        if not m:
            out.append(line)
            continue
        boundary += rng.randint(0, 3)
        if rng.random() < 0.3:
            ticks += 1
            out.append("=%d tick %d" % (boundary, ticks))
        prefix = "in-program " if rng.random() < 0.1 else ""
        out.append("%s=%d %s%s" % (m.group(1), boundary, prefix, m.group(2).lstrip()))
    return "\n".join(out)


def mutate(text, rng):
    """One random change to `text`."""
    lines = text.split("\n")
    kind = rng.randrange(10)
    at = rng.randrange(len(text) + 1)
    if kind == 0 and text:                               # flip a bit of one character
        i = rng.randrange(len(text))
        return text[:i] + chr(ord(text[i]) ^ (1 << rng.randrange(8))) + text[i + 1:]
    if kind == 1:                                        # insert characters
        return text[:at] + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 3))) \
            + text[at:]
    if kind == 2:                                        # delete a span
        return text[:at] + text[at + rng.randint(1, 8):]
    if kind == 3:                                        # cut the file short
        return text[:at]
    if kind == 4:                                        # a number becomes an edge case
        numbers = list(re.finditer(r"\d+", text))
        if numbers:
            m = rng.choice(numbers)
            return text[:m.start()] + rng.choice(NUMBERS) + text[m.end():]
    if kind == 5:                                        # a word becomes another
        words = list(re.finditer(r"[^\s]+", text))
        if words:
            m = rng.choice(words)
            return text[:m.start()] + rng.choice(WORDS) + text[m.end():]
    if kind == 6 and len(lines) > 1:                     # drop, double or swap lines
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        choice = rng.randrange(3)
        if choice == 0:
            del lines[i]
        elif choice == 1:
            lines.insert(i, lines[j])
        else:
            lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)
    if kind == 7:                                        # a line of random words
        line = " ".join(rng.choice(WORDS + NUMBERS[:6]) for _ in range(rng.randint(1, 4)))
        lines.insert(rng.randrange(len(lines) + 1), line)
        return "\n".join(lines)
    if kind == 8:                                        # line endings and blanks
        return text[:at] + rng.choice(["\r\n", "\r", "\n\n", " ", "\t", "#"]) + text[at:]
    return recorded(text, rng)


def check_parsed(parsed, name):
    """A file that parses compiles to a log that decodes back unchanged."""
    if parsed.recorded or parsed.last_tick() <= LOG_TICKS:
        log = keysfile.entries(parsed)
        assert keysfile.decode_log(keysfile.encode_log(log)) == log
        for entry in log:
            keysfile.entry_text(entry)


def outcome(text, name, keymap):
    """None if `text` is handled as it should be; otherwise what went wrong."""
    try:
        parsed = keysfile.parse(text, name, keymap)
    except keysfile.KeysError as err:
        if not re.match(r"%s:\d+: expected " % re.escape(name), str(err)):
            return "KeysError without FILE:LINE: expected ...: %s" % err
        return None
    except Exception as err:                             # noqa: BLE001 - the point
        return "%s: %s" % (type(err).__name__, err)
    try:
        check_parsed(parsed, name)
    except Exception as err:                             # noqa: BLE001
        return "parsed, then %s: %s" % (type(err).__name__, err)
    return None


@pytest.fixture(scope="module")
def keymap():
    return keysfile.Keymap()


@pytest.mark.parametrize("path", GOLDEN, ids=[os.path.basename(p) for p in GOLDEN])
def test_mutated_keys_file_parses_or_is_refused_with_its_line(path, keymap):
    with open(path, encoding="utf-8") as f:
        original = f.read()
    name = os.path.relpath(path, ROOT)
    assert outcome(original, name, keymap) is None, "the golden file itself"
    base_seed = zlib.crc32(name.encode())
    failures = []
    for i in range(MUTANTS):
        rng = random.Random(base_seed + i)
        text = original
        for _ in range(rng.randint(1, 4)):
            text = mutate(text, rng)
        problem = outcome(text, name, keymap)
        if problem:
            failures.append("mutant %d (random.Random(%d)): %s" % (i, base_seed + i,
                                                                  problem[:300]))
    assert not failures, "\n".join(failures[:5])


# ---- regressions: inputs the mutations above found, named after the bug ----

def test_tick_number_that_isdigit_but_not_int_is_refused(keymap):
    """'tick ²': str.isdigit() accepts the superscript, int() then raised ValueError."""
    with pytest.raises(keysfile.KeysError, match=r"x.keys:1: expected at most a tick number"):
        keysfile.parse("=1 tick \u00b2", "x.keys", keymap)


def test_time_with_more_digits_than_int_converts_is_refused(keymap):
    """A 5000-digit tick: int() raised ValueError past Python's 4300-digit limit."""
    with pytest.raises(keysfile.KeysError, match=r"x.keys:1: expected a tick up to 360000"):
        keysfile.parse("@" + "9" * 5000 + " wait", "x.keys", keymap)
    with pytest.raises(keysfile.KeysError, match=r"x.keys:1: expected a boundary below"):
        keysfile.parse("=" + "9" * 5000 + " wait", "x.keys", keymap)


def test_time_and_tick_number_in_non_ascii_digits_are_refused(keymap):
    """'@٣' and 'tick ١' (Arabic-Indic digits): the TIME regex's \\d and str.isdecimal()
    took them as ticks 3 and 1, silently."""
    with pytest.raises(keysfile.KeysError, match=r"x.keys:1: expected a time .*, got '@\u0663'"):
        keysfile.parse("@\u0663 key A", "x.keys", keymap)
    with pytest.raises(keysfile.KeysError, match=r"x.keys:2: expected a time .*, got '\+\u0661'"):
        keysfile.parse("@1 wait\n+\u0661 wait", "x.keys", keymap)
    with pytest.raises(keysfile.KeysError, match=r"x.keys:1: expected at most a tick number "
                                                 r"after 'tick', got '\u0661'"):
        keysfile.parse("=1 tick \u0661", "x.keys", keymap)
