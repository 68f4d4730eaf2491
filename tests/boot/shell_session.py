"""One shell session, typed two ways by tests/boot/test_shell.py: as bytes on the serial
console and as PS/2 key presses. Each step is what to type and what must follow it.
Key presses come from kernel/async/keymap.def through tools/keys.py, as QEMU key numbers
(Key.qnum, which tools/live.py sends too): no key table is copied here."""
import keys as keysfile

# Keys that type no text, each named <NAME> with its keymap.def name; a chord joins
# names with "+", as a .keys file's `key Ctrl+C` does.
UP, LEFT, HOME, BACKSPACE, TAB, CTRL_C, ENTER = "<Up>", "<Left>", "<Home>", \
    "<Backspace>", "<Tab>", "<Ctrl+C>", "<Enter>"
KEYMAP = keysfile.Keymap()

# (keys, patterns that must appear in the output of this step, in order)
STEPS = [
    (["help"], [r"^  echo     print the arguments", r"^  sleep    wait"]),
    (["help sleep"], [r"^usage: sleep MILLISECONDS$"]),
    (["clear"], []),
    (["help nope"], [r"^help: no command called nope$", r"^usage: help \[COMMAND\]$"]),
    (['echo "two  words" three'], [r"^two  words three$"]),
    (["version"], [r"^Lockstep 0\.1\.0 \(x86_64\), trace event table 0x[0-9a-f]{8}$"]),
    (["uptime"], [r"^up \d+ ticks = \d+\.\d\d s \(100 Hz\)$", r"^  IRQ 0  timer +\d+ interrupts"]),
    (["tasks"], [r"^ +id name +state", r"^ +1 keyboard +waiting", r"^ +3 shell +running"]),
    (["mem"], [r"^heap: +\d+ KiB committed", r"^frames: \d+ in use, \d+ free of \d+$"]),
    (["mem now"], [r"^mem: takes no arguments$", r"^usage: mem$"]),
    (["trace"], [r"^trace: on, ring \d+ of 16384 words in use", r"events dropped$"]),
    (["trace tail 3"], [r"^ +\d+ +\d+ [a-z_]+", r"^ +\d+ +\d+ [a-z_]+", r"^ +\d+ +\d+ [a-z_]+"]),
    (["trace off"], [r"^trace off$"]),
    (["trace on"], [r"^trace on$"]),
    (["trace tail x"], [r"^trace: expected nothing, tail N", r"^usage: trace"]),
    (["irq"], [r"^  vector 32  IRQ 0 "]),
    (["sleep 100"], []),
    (["sleep soon"], [r"^sleep: expected milliseconds", r"^usage: sleep MILLISECONDS$"]),
    (["fault breakpoint"], [r"EXCEPTION 3: #BP Breakpoint", r"^fault: breakpoint handled"]),
    (["fault"], [r"^fault: expected page, divide", r"^usage: fault "]),
    (["bogus"], [r"^unknown command: bogus \(try help\)$"]),
    (['echo "open'], [r'^unterminated "$']),
    # Edit: "cho hxi", Left, Backspace (the x), Home, "e" -> "echo hi"
    (["cho hxi", LEFT, BACKSPACE, HOME, "e"], [r"^hi$"]),
    ([UP], [r"^hi$"]),                                  # history: the edited line again
    (["abc", CTRL_C], [r"abc\^C$"]),                     # abandoned
    (["vers", TAB], [r"^Lockstep 0\.1\.0"]),            # Tab completes "version "
]
# Outputs that differ between two runs (counters, times): compared by pattern only.
VARIABLE = {"uptime", "tasks", "trace", "trace tail 3", "irq", "fault breakpoint", "mem"}

SERIAL = {UP: "\x1b[A", LEFT: "\x1b[D", HOME: "\x1b[H", BACKSPACE: "\x7f", TAB: "\t",
          CTRL_C: "\x03", ENTER: "\r"}



def with_enter(keys):
    """Every step ends with Enter, except one that abandons its line with Ctrl+C."""
    return keys if keys[-1] == CTRL_C else keys + [ENTER]


def serial_bytes(keys):
    return "".join(SERIAL.get(k, k) for k in with_enter(keys))


def sendkey(keys):
    """The argument of QEMU's monitor command `sendkey` that presses `keys` (keymap.def
    Keys) together and releases them: their key numbers, joined by '-'."""
    return "-".join("0x%02x" % key.qnum() for key in keys)


def named_key(token):
    """The Keys of a <NAME> or <NAME+NAME> token; raises ValueError for a name that
    keymap.def does not have."""
    names = token[1:-1].split("+")
    found = [KEYMAP.find(name) for name in names]
    if None in found:
        raise ValueError("%s: no key called %s in kernel/async/keymap.def"
                         % (token, names[found.index(None)]))
    return found


def sendkeys(keys):
    """The `sendkey` arguments that type `keys` (text and <NAME> tokens) on the PS/2
    keyboard, Enter included as with_enter() adds it: one per key press, a character
    with Shift where keymap.def's US layout needs it. Raises KeyError(char) for a
    character no key types."""
    out = []
    for k in with_enter(keys):
        if k.startswith("<"):
            out.append(sendkey(named_key(k)))
            continue
        for char in k:
            key, shifted = KEYMAP.chars[char]
            out.append(sendkey([KEYMAP.shift(), key] if shifted else [key]))
    return out


def step_name(keys):
    return "".join(k for k in keys if not k.startswith("<"))
