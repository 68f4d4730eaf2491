"""The shell, driven from outside as a user would: the whole session of shell_session.py
typed over the serial console of `make run-serial` (pexpect), and the same session
typed on the PS/2 keyboard through QEMU's monitor (`sendkey`). Every step's output must
match its patterns, and the two runs must print the same thing wherever the output does
not depend on time."""
import re
import time

import pexpect

from console_session import KILLED_BY_CTRL_C, PROMPT, boot_kernel, make_run_serial
from shell_session import STEPS, VARIABLE, sendkeys, serial_bytes, step_name
from terminal import render

# A prompt at the start of a line, or of the screen after `clear` (redraws of the line
# being edited start with a bare CR instead).
FRESH_PROMPT = re.compile(r"(?:\n|\x1b\[H)" + re.escape(PROMPT))


def check_steps(outputs):
    """outputs: per step, the rendered lines from its command line to the next prompt."""
    assert len(outputs) == len(STEPS)
    for (keys, patterns), lines in zip(STEPS, outputs):
        at = 0
        for pattern in patterns:
            while at < len(lines) and not re.search(pattern, lines[at]):
                at += 1
            assert at < len(lines), "step %r: no line matches %r in:\n%s" % (
                step_name(keys), pattern, "\n".join(lines))
            at += 1


def type_steps(session, type_keys):
    """Type every step of STEPS into `session`, each with type_keys(session, keys); per
    step, the rendered lines from its command line to the next fresh prompt."""
    transcript = []
    with session as s:
        for keys, _ in STEPS:
            type_keys(s, keys)
            s.child.expect(FRESH_PROMPT)                 # the command finished
            transcript.append(s.child.before)
    return [render(PROMPT + t) for t in transcript]


def run_serial():
    return type_steps(make_run_serial(), lambda s, keys: s.child.send(serial_bytes(keys)))


def test_every_command_over_the_serial_console():
    outputs = run_serial()
    check_steps(outputs)
    test_every_command_over_the_serial_console.outputs = outputs


def run_ps2():
    return type_steps(boot_kernel(keyboard=True), lambda s, keys: s.press(sendkeys(keys)))


def test_the_same_session_on_the_ps2_keyboard():
    outputs = run_ps2()
    check_steps(outputs)
    serial = getattr(test_every_command_over_the_serial_console, "outputs", None) or run_serial()
    for (keys, _), a, b in zip(STEPS, serial, outputs):
        if step_name(keys) not in VARIABLE:
            assert a == b, "step %r differs:\nserial: %r\nPS/2:   %r" % (step_name(keys), a, b)


def test_panic_command_reports_and_halts():
    with boot_kernel() as s:
        s.type("panic the end")
        s.child.expect_exact("PANIC: the end")
        s.child.expect("backtrace:")
        s.child.expect(r"<cmd_panic\+0x[0-9a-f]+>")
        s.child.expect_exact("kernel halted.")


def test_fault_page_reports_the_address_and_halts():
    with boot_kernel() as s:
        s.type("fault page")
        s.child.expect_exact("EXCEPTION 14: #PF Page fault")
        s.child.expect_exact("CR2 00000000dead0000")
        s.child.expect(r"RIP [0-9a-f]{16} <cmd_fault\+")
        s.child.expect_exact("kernel halted.")


def test_reboot_resets_the_machine():
    with boot_kernel() as s:
        s.type("reboot")
        s.child.expect_exact("rebooting...")
        s.child.expect(pexpect.EOF)            # -no-reboot: QEMU exits on the reset
    assert s.child.exitstatus == 0


def test_a_lone_escape_does_not_swallow_enter_or_ctrl_c():
    """Regression (review): on COM1 the byte after ESC or ESC [ was thrown away with the
    sequence, so `spin`, the Escape key, Ctrl+C left spin running, and ESC CR was no
    Enter. A byte that cannot continue a sequence now counts as itself."""
    with boot_kernel(display="serial") as s:
        s.type("spin")
        s.child.expect_exact("spin: looping forever (Ctrl+C stops me)")
        s.child.send("\x1b")
        time.sleep(0.3)                                  # Escape alone, then Ctrl+C
        s.child.sendcontrol("c")
        s.child.expect(KILLED_BY_CTRL_C)
        s.wait_prompt()
        s.child.send("echo a\x1b\r")
        s.wait_prompt()
        assert "a" in s.lines(), s.child.before
        s.child.send("echo \x1bxyz\r")
        s.wait_prompt()
        assert "xyz" in s.lines(), s.child.before


def test_ctrl_c_ends_sleep_and_lines_typed_during_it_run_after_it():
    """Regression (review): the shell's `sleep` ignored Ctrl+C, and five 66-byte lines
    pasted during `sleep 2000` overflowed COM1's 256-byte ring, which dropped the rest
    silently, so the next line ran joined to half of line 4. The shell now reads the
    console while it sleeps: lines typed meanwhile are queued and run after the sleep,
    and Ctrl+C ends it."""
    with boot_kernel(display="serial") as s:
        s.type("sleep 60000")
        time.sleep(0.5)
        started = time.time()
        s.child.sendcontrol("c")
        s.wait_prompt(timeout=5)
        assert time.time() - started < 5
        s.type("sleep 2000")
        time.sleep(0.3)
        pasted = ["echo " + str(i) * 61 for i in range(1, 6)]
        s.child.send("".join(line + "\r" for line in pasted))
        for i in range(1, 6):
            s.child.expect(re.escape(PROMPT) +
                           r"echo %s\r+\n%s\r+\n" % (str(i) * 61, str(i) * 61))
        s.type("echo ok")
        s.child.expect(re.escape(PROMPT) + r"echo ok\r+\nok\r+\n")
        assert "dropped" not in s.child.before, s.child.before


def test_input_lost_to_a_full_ring_is_reported_and_never_joined_to_the_next_line():
    """Regression (review): when COM1's ring overflowed, the lost bytes went unreported
    and a line that lost its CR ran joined to the next one. `busy` reads no input, so
    five 66-byte lines pasted during it overflow the ring: lines 1-3 run, the shell says
    how many bytes it lost, line 4 (cut) and line 5 (lost) do not run, and the next line
    runs alone. A line whose start was lost does not run either."""
    with boot_kernel(display="serial") as s:
        s.type("busy 2000")
        time.sleep(0.3)
        s.child.send("".join("echo %s\r" % (str(i) * 61) for i in range(1, 6)))
        s.child.expect(r"\((\d+) input bytes dropped: the line they cut is discarded\)")
        assert int(s.child.match.group(1)) == 5 * 67 - 256, s.child.match.group(0)
        ran = [line for line in s.lines() if re.fullmatch(r"(\d)\1{60}", line)]
        assert ran == [str(i) * 61 for i in range(1, 4)], s.child.before
        s.wait_prompt()                                  # the one after the report
        assert s.run("echo ok").split("\n")[:2] == ["echo ok", "ok"], s.child.before

        s.type("busy 2000")
        time.sleep(0.3)                     # no CR at the end: line 5 is cut in two
        s.child.send("".join("echo %s\r" % (str(i) * 61) for i in range(1, 5)) +
                     "echo " + "5" * 61)
        s.child.expect(r"\(\d+ input bytes dropped: the line they cut is discarded\)")
        s.wait_prompt()
        s.child.send("55\recho ok\r")        # the cut line's rest, then a fresh line
        s.wait_prompt()
        assert s.lines()[:2] == ["echo ok", "ok"], s.child.before
