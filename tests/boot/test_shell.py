"""The shell, driven from outside as a user would: the whole session of shell_session.py
typed over the serial console of `make run-serial` (pexpect), and the same session
typed on the PS/2 keyboard through QEMU's monitor (`sendkey`). Every step's output must
match its patterns, and the two runs must print the same thing wherever the output does
not depend on time."""
import os
import re
import time

import pexpect

import qemu
from conftest import BUILD, ROOT
from monitored import MonitoredKernel
from shell_session import STEPS, VARIABLE, qcodes, serial_bytes, step_name
from terminal import render

PROMPT = "lockstep> "
# A prompt at the start of a line, or of the screen after `clear` (redraws of the line
# being edited start with a bare CR instead).
NEW_PROMPT = "\n" + PROMPT
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


def run_serial():
    child = pexpect.spawn("make", ["-s", "run-serial"], cwd=ROOT, timeout=60,
                          encoding="utf-8", codec_errors="replace", dimensions=(50, 100))
    transcript = []
    try:
        child.expect_exact(NEW_PROMPT)
        for keys, _ in STEPS:
            child.send(serial_bytes(keys))
            child.expect(FRESH_PROMPT)                 # the command finished
            transcript.append(child.before)
        child.sendcontrol("a")
        child.send("x")
        child.expect(pexpect.EOF, timeout=20)
    finally:
        child.close(force=True)
    return [render(PROMPT + t) for t in transcript]


def test_every_command_over_the_serial_console():
    outputs = run_serial()
    check_steps(outputs)
    test_every_command_over_the_serial_console.outputs = outputs


def run_ps2():
    kernel = MonitoredKernel()
    try:
        kernel.wait_for(FRESH_PROMPT)
        for n, (keys, _) in enumerate(STEPS):
            for code in qcodes(keys):
                kernel.sendkey(code)
            kernel.wait_for(FRESH_PROMPT, count=n + 2)
        raw = kernel.text()
    finally:
        kernel.close()
    # Each step runs from one fresh prompt to the next, as in the serial transcript.
    chunks = FRESH_PROMPT.split(raw)[1:len(STEPS) + 1]
    return [render(PROMPT + chunk) for chunk in chunks]


def test_the_same_session_on_the_ps2_keyboard():
    outputs = run_ps2()
    check_steps(outputs)
    serial = getattr(test_every_command_over_the_serial_console, "outputs", None) or run_serial()
    for (keys, _), a, b in zip(STEPS, serial, outputs):
        if step_name(keys) not in VARIABLE:
            assert a == b, "step %r differs:\nserial: %r\nPS/2:   %r" % (step_name(keys), a, b)


def boot_and_type(line, display="none"):
    """Boot the kernel with COM1 on a pty, type `line`, and return the pexpect child.
    display="serial" wires COM1 as `make run-serial` does, so that a Ctrl+C typed reaches
    the kernel rather than stopping QEMU."""
    argv = qemu.command(os.path.join(BUILD, "lockstep.elf"), display=display)
    child = pexpect.spawn(argv[0], argv[1:], timeout=30, encoding="utf-8",
                          codec_errors="replace")
    child.expect_exact(NEW_PROMPT)
    child.send(line + "\r")
    return child


def test_panic_command_reports_and_halts():
    child = boot_and_type("panic the end")
    try:
        child.expect_exact("PANIC: the end")
        child.expect("backtrace:")
        child.expect(r"<cmd_panic\+0x[0-9a-f]+>")
        child.expect_exact("kernel halted.")
    finally:
        child.close(force=True)


def test_fault_page_reports_the_address_and_halts():
    child = boot_and_type("fault page")
    try:
        child.expect_exact("EXCEPTION 14: #PF Page fault")
        child.expect_exact("CR2 00000000dead0000")
        child.expect(r"RIP [0-9a-f]{16} <cmd_fault\+")
        child.expect_exact("kernel halted.")
    finally:
        child.close(force=True)


def test_reboot_resets_the_machine():
    child = boot_and_type("reboot")
    try:
        child.expect_exact("rebooting...")
        child.expect(pexpect.EOF)            # -no-reboot: QEMU exits on the reset
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def lines_of(child):
    """The output before the last expect, one line each, CRs dropped."""
    return child.before.replace("\r", "").split("\n")


def test_a_lone_escape_does_not_swallow_enter_or_ctrl_c():
    """Regression (review): on COM1 the byte after ESC or ESC [ was thrown away with the
    sequence, so `spin`, the Escape key, Ctrl+C left spin running, and ESC CR was no
    Enter. A byte that cannot continue a sequence now counts as itself."""
    child = boot_and_type("spin", display="serial")
    try:
        child.expect_exact("spin: looping forever (Ctrl+C stops me)")
        child.send("\x1b")
        time.sleep(0.3)                                  # Escape alone, then Ctrl+C
        child.sendcontrol("c")
        child.expect(r"\[pid \d+\] killed: interrupted \(Ctrl\+C\)")
        child.expect_exact(NEW_PROMPT)
        child.send("echo a\x1b\r")
        child.expect_exact(NEW_PROMPT)
        assert "a" in lines_of(child), child.before
        child.send("echo \x1bxyz\r")
        child.expect_exact(NEW_PROMPT)
        assert "xyz" in lines_of(child), child.before
    finally:
        child.close(force=True)


def test_ctrl_c_ends_sleep_and_lines_typed_during_it_run_after_it():
    """Regression (review): the shell's `sleep` ignored Ctrl+C, and five 66-byte lines
    pasted during `sleep 2000` overflowed COM1's 256-byte ring, which dropped the rest
    silently, so the next line ran joined to half of line 4. The shell now reads the
    console while it sleeps: lines typed meanwhile are queued and run after the sleep,
    and Ctrl+C ends it."""
    child = boot_and_type("sleep 60000", display="serial")
    try:
        time.sleep(0.5)
        started = time.time()
        child.sendcontrol("c")
        child.expect_exact(NEW_PROMPT, timeout=5)
        assert time.time() - started < 5
        child.send("sleep 2000\r")
        time.sleep(0.3)
        pasted = ["echo " + str(i) * 61 for i in range(1, 6)]
        child.send("".join(line + "\r" for line in pasted))
        for i in range(1, 6):
            child.expect(r"lockstep> echo %s\r+\n%s\r+\n" % (str(i) * 61, str(i) * 61))
        child.send("echo ok\r")
        child.expect(r"lockstep> echo ok\r+\nok\r+\n")
        assert "dropped" not in child.before, child.before
    finally:
        child.close(force=True)


def test_input_lost_to_a_full_ring_is_reported_and_never_joined_to_the_next_line():
    """Regression (review): when COM1's ring overflowed, the lost bytes went unreported
    and a line that lost its CR ran joined to the next one. `busy` reads no input, so
    five 66-byte lines pasted during it overflow the ring: lines 1-3 run, the shell says
    how many bytes it lost, line 4 (cut) and line 5 (lost) do not run, and the next line
    runs alone. A line whose start was lost does not run either."""
    child = boot_and_type("busy 2000", display="serial")
    try:
        time.sleep(0.3)
        child.send("".join("echo %s\r" % (str(i) * 61) for i in range(1, 6)))
        child.expect(r"\((\d+) input bytes dropped: the line they cut is discarded\)")
        assert int(child.match.group(1)) == 5 * 67 - 256, child.match.group(0)
        ran = [line for line in lines_of(child) if re.fullmatch(r"(\d)\1{60}", line)]
        assert ran == [str(i) * 61 for i in range(1, 4)], child.before
        child.expect_exact(NEW_PROMPT)                  # the one after the report
        child.send("echo ok\r")
        child.expect_exact(NEW_PROMPT)
        assert lines_of(child)[:2] == ["echo ok", "ok"], child.before

        child.send("busy 2000\r")
        time.sleep(0.3)                     # no CR at the end: line 5 is cut in two
        child.send("".join("echo %s\r" % (str(i) * 61) for i in range(1, 5)) +
                   "echo " + "5" * 61)
        child.expect(r"\(\d+ input bytes dropped: the line they cut is discarded\)")
        child.expect_exact(NEW_PROMPT)
        child.send("55\recho ok\r")        # the cut line's rest, then a fresh line
        child.expect_exact(NEW_PROMPT)
        assert lines_of(child)[:2] == ["echo ok", "ok"], child.before
    finally:
        child.close(force=True)
