#!/usr/bin/python3
"""Golden input files (tests/golden/*.keys) and the binary replay log they compile to.

Used by tools/replay.py and its tests. Key names, characters and scancodes come from
kernel/async/keymap.def, parsed here as the kernel's decoder includes it, never copied.
The format is described in docs/replay.md; in short, one input per line:

  @N ACTION    at timer tick N          +N ACTION    N ticks after the previous line
  =B ACTION    at boundary B (recorded sessions: B poll_end + idle events from boot, B >= 1)
  =B in-program ACTION   during the poll after boundary B, where a user program ran: the
               last input of boundary B (B >= 0)
  ACTION:  type TEXT | key NAME | key Mod+...+NAME | down NAME | up NAME | raw HEX...
           | wait (nothing; runs the clock on to this time) | tick [N] (=B lines only)

Every malformed line is a KeysError "FILE:LINE: expected ...", raised before anything runs.
"""
import argparse
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYMAP_DEF = os.path.join(ROOT, "kernel", "async", "keymap.def")
REPLAY_H = os.path.join(ROOT, "kernel", "async", "replay.h")


class KeysError(Exception):
    """A problem in a .keys file or in keymap.def; the message names file and line."""


def replay_defines(path=REPLAY_H):
    """The REPLAY_* #defines of the kernel's replay.h: {"MAGIC": b"...", "AT_IDLE": n...}."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise KeysError("cannot read the kernel's replay header: %s" % err)
    found = {}
    for name, value in re.findall(r"^#define\s+REPLAY_(\w+)\s+(\"\w+\"|0x[0-9a-fA-F]+|\d+)",
                                  text, re.M):
        found[name] = value[1:-1].encode() if value.startswith('"') else int(value, 0)
    return found


# The replay log, as struct replay_header and struct replay_entry in replay.h lay it out
# (sizes pinned there by static asserts, here by tests/unit/test_replay_keys.py).
REPLAY = replay_defines()
LOG_MAGIC = REPLAY["MAGIC"]                    # b"LKRPLAY1"
LOG_HEADER = struct.Struct("<8sII")            # magic, entry count, reserved 0
LOG_ENTRY = struct.Struct("<IBBH")             # boundary, vector, flags, data
AT_IDLE = REPLAY["AT_IDLE"]                    # boundary: "at the next idle point"
IN_PROGRAM = REPLAY["IN_PROGRAM"]              # flags: arrived while a program ran
IN_PROGRAM_WORD = "in-program"                 # how a .keys line says so
VECTOR_TIMER = 32                              # IRQ 0: data = the tick it starts (low 16 bits)
VECTOR_KEYBOARD = 33                           # IRQ 1: data = the scancode byte

SETTLE_TICKS = 100                             # ticks run after the last line (1 s at 100 Hz)
MAX_TICK = 360000                              # one hour at 100 Hz: a bigger tick is a typo
SHIFT_KEY = "Shift"                            # the modifier `type` adds (left Shift)


class Key:
    def __init__(self, name, code, kind, plain, shifted):
        self.name, self.code, self.kind = name, code, kind
        self.plain, self.shifted = plain, shifted

    def make(self):
        """Scancode-set-1 bytes of a press: xx, E0 xx, or the E1 sequence (Pause)."""
        low = self.code & 0xff
        if self.code >> 8 == 0:
            return [low]
        if self.code >> 8 == 1:
            return [0xe0, low]
        return [0xe1, 0x1d, low, 0xe1, 0x9d, low | 0x80]   # 0x2xx: E1 1D xx E1 9D xx|80

    def release(self):
        """Bytes of a release (make | 0x80), or None: the E1 key has no break code."""
        if self.code >> 8 == 2:
            return None
        return self.make()[:-1] + [self.make()[-1] | 0x80]

    def qnum(self):
        """QEMU's key number (QMP input-send-event): set-1 make code, E0 xx as 0x80|xx."""
        return self.code & 0x7f | 0x80 if self.code >> 8 else self.code


class Keymap:
    """The keys of keymap.def by name, and which key (and Shift or not) types each
    character."""

    # Numbers C and Python read alike: hex, or decimal without a leading 0 (octal in C).
    NUMBER = r"(?:0x[0-9a-fA-F]+|[1-9][0-9]*|0)"
    LINE = re.compile(r"^\s*KEY\(\s*(\w+)\s*,\s*(%s)\s*,\s*(\w+)\s*,"
                      r"\s*('(?:\\.|[^'\\])'|%s)\s*,\s*('(?:\\.|[^'\\])'|%s)\s*\)\s*$"
                      % (NUMBER, NUMBER, NUMBER))
    KINDS = ("LETTER", "SYMBOL", "KEYPAD", "MODIFIER", "LOCK", "OTHER")

    def __init__(self, path=KEYMAP_DEF):
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as err:
            raise KeysError("cannot read the key table: %s" % err)
        text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
        self.keys = {}                         # name -> Key, in table order
        self.chars = {}                        # character -> (Key, shifted?)
        for number, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            where = "%s:%d" % (os.path.relpath(path, ROOT), number)
            m = self.LINE.match(line)
            if not m or m.group(3) not in self.KINDS:
                raise KeysError("%s: expected KEY(name, code, kind, plain, shifted)" % where)
            key = Key(m.group(1), int(m.group(2), 0), m.group(3),
                      c_char(m.group(4)), c_char(m.group(5)))
            if key.name in self.keys or key.code >> 8 > 2:
                raise KeysError("%s: key %s is defined twice or its code is out of range"
                                % (where, key.name))
            same = next((k for k in self.keys.values() if k.code == key.code), None)
            if same:
                raise KeysError("%s: key %s has code 0x%x, as key %s has"
                                % (where, key.name, key.code, same.name))
            if not (0 <= key.plain < 128 and 0 <= key.shifted < 128):
                raise KeysError("%s: key %s: its characters must be ASCII (0 to 127), "
                                "a C char" % (where, key.name))
            self.keys[key.name] = key
        self.lower = {name.lower(): key for name, key in self.keys.items()}
        # Which key types a character: the main block before the keypad ("Keypad..."
        # keys), then unshifted before shifted, then table order.
        candidates = []
        for order, key in enumerate(self.keys.values()):
            if key.kind in ("MODIFIER", "LOCK"):
                continue
            keypad = key.name.startswith("Keypad")
            for shifted, char in ((False, key.plain), (True, key.shifted)):
                if char and not (shifted and char == key.plain):
                    candidates.append(((keypad, shifted, order), char, key, shifted))
        for _, char, key, shifted in sorted(candidates, key=lambda c: c[0]):
            self.chars.setdefault(chr(char), (key, shifted))

    def find(self, name):
        """The key called `name` (exact, else case-insensitive), or None."""
        return self.keys.get(name) or self.lower.get(name.lower())

    def shift(self):
        return self.keys[SHIFT_KEY]

    def type_text(self, text):
        """Scancodes that type `text`: each character pressed and released, wrapped in
        Shift where the character is a key's shifted one. Raises KeyError(char)."""
        out = []
        for char in text:
            key, shifted = self.chars[char]
            if shifted:
                out += self.shift().make()
            out += key.make() + key.release()
            if shifted:
                out += self.shift().release()
        return out


def c_char(token):
    """A keymap.def character column: a C character literal or a number."""
    if token.startswith("'"):
        body = token[1:-1]
        return ord(body[1] if body.startswith("\\") else body)
    return int(token)


class Input:
    """One line of a .keys file: where it is, when (tick, or boundary for =B lines), and
    what it delivers: a list of scancode bytes, or TICK for a recorded timer tick."""

    TICK = "tick"

    def __init__(self, where, tick, boundary, codes, in_program=False):
        self.where, self.tick, self.boundary, self.codes = where, tick, boundary, codes
        self.in_program = in_program


class KeysFile:
    """A parsed .keys file: `timed` (@/+ lines) or recorded (=B lines), never both."""

    def __init__(self, path, inputs, recorded):
        self.path, self.inputs, self.recorded = path, inputs, recorded

    def last_tick(self):
        return max([i.tick for i in self.inputs] + [0])


TIME = re.compile(r"([@+=])([0-9]+)$")         # ASCII digits only (\d takes "٣" too)
HEX_BYTE = re.compile(r"(?:0x)?([0-9a-fA-F]{1,2})$")
ACTIONS = "type, key, down, up, raw or wait"


def decimal(digits):
    """The value of a run of decimal digits. Past 18 significant digits every value is out
    of range anyway (and int() refuses more than 4300), so 10**18 stands for them all."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else 10 ** 18


def parse(text, path, keymap):
    """Parse the text of a .keys file; raises KeysError naming path:line."""
    inputs, now, recorded, boundary, ticks = [], 0, None, 0, 0
    ends_boundary = False              # the previous =B line was in-program: B is done
    for number, line in enumerate(text.split("\n"), 1):
        where = "%s:%d" % (path, number)
        line = line.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue

        def fail(expected, got=None):
            raise KeysError("%s: expected %s%s" % (where, expected,
                            ", got %r" % got if got is not None else ""))

        parts = stripped.split(None, 2)
        m = TIME.match(parts[0])
        if not m:
            fail("a time (@TICK, +TICKS or =BOUNDARY) to start the line", parts[0])
        sign, value = m.group(1), decimal(m.group(2))
        is_recorded = sign == "="
        in_program = len(parts) > 1 and parts[1] == IN_PROGRAM_WORD
        if in_program:
            if not is_recorded:
                fail("an action (%s): '%s' is only for recorded =BOUNDARY lines"
                     % (ACTIONS, IN_PROGRAM_WORD), parts[1])
            line = line.replace(IN_PROGRAM_WORD, "", 1)
            parts = line.strip().split(None, 2)
        if len(parts) < 2 or parts[1].startswith("#"):
            fail("an action (%s) after the time" % ACTIONS)
        action = parts[1]
        if recorded is not None and is_recorded != recorded:
            fail("%s lines only: a file is either timed (@ and +) or recorded (=), "
                 "and earlier lines are %s" % ("=" if recorded else "@ and +",
                                              "recorded" if recorded else "timed"), parts[0])
        recorded = is_recorded
        if is_recorded:
            # The kernel counts boundaries from 1: only the poll after boundary 0, the
            # first, can take an input (in-program). A poll takes one in-program input,
            # after the inputs of its boundary.
            if value < boundary:
                fail("a boundary at or after %d (the previous line's)" % boundary, parts[0])
            if value == boundary and ends_boundary:
                fail("a boundary after %d (the previous line is in-program: the last input "
                     "of its boundary)" % boundary, parts[0])
            if value == 0 and not in_program:
                fail("a boundary of 1 or more (boundaries count from 1; =0 only with %s)"
                     % IN_PROGRAM_WORD, parts[0])
            if value >= AT_IDLE:
                fail("a boundary below %d" % AT_IDLE, parts[0])
            boundary, ends_boundary = value, in_program
        else:
            tick = value if sign == "@" else now + value
            if tick < now:
                fail("a tick at or after %d (the previous line's)" % now, parts[0])
            if tick > MAX_TICK:
                fail("a tick up to %d (one hour at 100 Hz)" % MAX_TICK, parts[0])
            now = tick

        if action == "type":
            # The text is the rest of the line as written after one separator, '#' included.
            text_part = line.lstrip()[len(parts[0]):].lstrip()[len("type"):]
            if not text_part[:1].isspace() or not text_part[1:]:
                fail("text to type after 'type'")
            typed = text_part[1:]
            bad = [c for c in typed if not " " <= c <= "~" or c not in keymap.chars]
            if bad:
                fail("printable ASCII text after 'type' (US layout)", bad[0])
            codes = keymap.type_text(typed)
        else:
            args = (parts[2] if len(parts) > 2 else "").split("#", 1)[0].split()
            codes = parse_action(action, args, keymap, is_recorded, fail, ticks)
        if codes == Input.TICK:
            ticks += 1
        if in_program and codes != Input.TICK and len(codes) != 1:
            fail("one input after '%s' (a tick or one raw byte: one interrupt ends a "
                 "program's run)" % IN_PROGRAM_WORD)
        inputs.append(Input(where, None if is_recorded else now,
                            boundary if is_recorded else None, codes, in_program))
    return KeysFile(path, inputs, bool(recorded))


def parse_action(action, args, keymap, is_recorded, fail, ticks):
    """Scancodes for one non-`type` action (or Input.TICK); `fail` raises."""
    if action == "key":
        if len(args) != 1:
            fail("one key name or chord after 'key' (e.g. Enter, Up, F1, Ctrl+C)",
                 " ".join(args) or None)
        names = args[0].split("+")
        keys = [keymap.find(n) for n in names]
        for name, key in zip(names, keys):
            if key is None:
                fail("a key name from kernel/async/keymap.def (e.g. Enter, Up, PageDown, "
                     "F1, CapsLock, Ctrl+C)", name)
        for key in keys[:-1]:
            if key.kind != "MODIFIER":
                fail("a modifier before '+' (Ctrl, Shift, Alt, RightCtrl, RightShift, "
                     "RightAlt)", key.name)
        codes = []
        for key in keys[:-1]:
            codes += key.make()
        codes += keys[-1].make() + (keys[-1].release() or [])
        for key in reversed(keys[:-1]):
            codes += key.release()
        return codes
    if action in ("down", "up"):
        if len(args) != 1 or "+" in args[0]:
            fail("one key name after '%s' (no chords: press each key with its own line)"
                 % action, " ".join(args) or None)
        key = keymap.find(args[0])
        if key is None:
            fail("a key name from kernel/async/keymap.def (e.g. A, Shift, Up, Space)", args[0])
        if action == "up" and key.release() is None:
            fail("a key with a release code after 'up' (%s has none)" % key.name, args[0])
        return key.make() if action == "down" else key.release()
    if action == "raw":
        if not args:
            fail("hexadecimal bytes after 'raw' (e.g. raw e0 48 e0 c8)")
        codes = []
        for token in args:
            m = HEX_BYTE.match(token)
            if not m:
                fail("a hexadecimal byte (00 to ff) after 'raw'", token)
            codes.append(int(m.group(1), 16))
        return codes
    if action == "wait":
        if args:
            fail("nothing after 'wait'", " ".join(args))
        return []
    if action == "tick":
        if not is_recorded:
            fail("an action (%s): 'tick' is only for recorded =BOUNDARY lines" % ACTIONS,
                 action)
        # ASCII digits only: isdigit() takes "²" and isdecimal() "١"
        if len(args) > 1 or args and not re.fullmatch("[0-9]+", args[0]):
            fail("at most a tick number after 'tick'", " ".join(args))
        if args and decimal(args[0]) != ticks + 1:
            fail("tick %d (recorded ticks count up from 1)" % (ticks + 1), args[0])
        return Input.TICK
    fail("an action (%s)" % ACTIONS, action)


def load(path, keymap=None):
    """Parse the .keys file at `path`; raises KeysError."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise KeysError("cannot read %s: %s" % (path, err))
    return parse(text, path, keymap or Keymap())


def entries(keys_file, settle=SETTLE_TICKS):
    """The replay log of a parsed file: a list of (boundary, vector, data), with a fourth
    item, IN_PROGRAM, for an input that arrived while a user program ran.

    Timed files: for every tick T from 1 to the last line's tick + `settle`, a timer
    entry, then the scancodes of every line at tick T in file order (tick 0's come
    before the first timer entry); all at the next idle point, so the kernel handles
    each byte, and runs every task it woke, before the next arrives.
    Recorded files: each line's bytes (or its tick) at the line's boundary."""
    out = []
    if keys_file.recorded:
        ticks = 0
        for i in keys_file.inputs:
            flags = (IN_PROGRAM,) if i.in_program else ()
            if i.codes == Input.TICK:
                ticks += 1
                out.append((i.boundary, VECTOR_TIMER, ticks & 0xffff) + flags)
            else:
                out += [(i.boundary, VECTOR_KEYBOARD, c) + flags for c in i.codes]
        return out
    by_tick = {}
    for i in keys_file.inputs:
        by_tick.setdefault(i.tick, []).extend(i.codes)
    for tick in range(0, keys_file.last_tick() + settle + 1):
        if tick:
            out.append((AT_IDLE, VECTOR_TIMER, tick & 0xffff))
        out += [(AT_IDLE, VECTOR_KEYBOARD, c) for c in by_tick.get(tick, ())]
    return out


def encode_log(log):
    """The binary replay log for a list of (boundary, vector, data[, flags])."""
    return LOG_HEADER.pack(LOG_MAGIC, len(log), 0) + b"".join(
        LOG_ENTRY.pack(e[0], e[1], e[3] if len(e) > 3 else 0, e[2]) for e in log)


def decode_log(data):
    """The (boundary, vector, data) entries of a binary log; raises KeysError."""
    if len(data) < LOG_HEADER.size:
        raise KeysError("replay log too short for its header")
    magic, count, _ = LOG_HEADER.unpack_from(data)
    if magic != LOG_MAGIC or len(data) != LOG_HEADER.size + count * LOG_ENTRY.size:
        raise KeysError("not a replay log, or its entry count does not match its size")
    return [(b, v, d) + ((f,) if f else ()) for b, v, f, d in
            (LOG_ENTRY.unpack_from(data, LOG_HEADER.size + n * LOG_ENTRY.size)
             for n in range(count))]


def entry_text(entry):
    boundary, vector, data = entry[:3]
    where = "idle" if boundary == AT_IDLE else "=%d" % boundary
    if entry[3:] == (IN_PROGRAM,):
        where += " " + IN_PROGRAM_WORD
    what = "tick %d" % data if vector == VECTOR_TIMER else \
        "key %02x" % data if vector == VECTOR_KEYBOARD else "vector %d data %d" % (vector, data)
    return "%-10s %s" % (where, what)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("keys", help="a .keys file")
    parser.add_argument("--settle", type=int, default=SETTLE_TICKS,
                        help="ticks to run after the last line (default %(default)s)")
    parser.add_argument("--out", help="write the binary replay log here")
    args = parser.parse_args(argv)
    if not 0 <= args.settle <= MAX_TICK:         # a huge one would build a log that long
        parser.error("--settle must be 0 to %d ticks (one hour at 100 Hz), not %d"
                     % (MAX_TICK, args.settle))
    try:
        log = entries(load(args.keys), args.settle)
    except KeysError as err:
        print("keys: error: %s" % err, file=sys.stderr)
        return 2
    if args.out:
        try:
            with open(args.out, "wb") as f:
                f.write(encode_log(log))
        except OSError as err:
            print("keys: error: cannot write %s: %s" % (args.out, err), file=sys.stderr)
            return 2
    else:
        try:
            for entry in log:
                print(entry_text(entry))
            sys.stdout.flush()
        except BrokenPipeError:
            pass
        except OSError as err:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # nor at exit
            print("keys: error: cannot write the log to standard output: %s"
                  % (err.strerror or err), file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
