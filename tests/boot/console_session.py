"""A kernel running in QEMU with its console (COM1) on a pseudo-terminal that pexpect
reads, typed at as a user would: bytes on the serial console, or key presses on the PS/2
keyboard through QEMU's monitor (`sendkey`). tests/boot/test_shell.py and test_programs.py
boot, type and read through it alone, as does test_boot.py's `make run-serial` test. A
session is ready once the shell's first prompt has come; used as a `with` block, it stops
QEMU (and `make`) on the way out, whatever happened."""
import os
import shutil
import socket
import tempfile
import time

import pexpect

import qemu
from conftest import BUILD, ROOT
from live import PROMPT              # the shell's prompt, kept in tools/live.py

NEW_PROMPT = "\n" + PROMPT          # the prompt at the start of a line: the shell is waiting
# What the kernel prints when Ctrl+C kills the foreground program (a pattern).
KILLED_BY_CTRL_C = r"\[pid \d+\] killed: interrupted \(Ctrl\+C\)"


class ConsoleSession:
    """pexpect's `child` on QEMU's standard input and output, which COM1 is wired to.

    quits: end a session that went well as a user ends `make run-serial`, with Ctrl-A x,
    and require QEMU to exit; a session that failed is killed instead, so that its own
    error is the one reported. monitor: the Unix socket of QEMU's monitor, for press().
    workdir: a directory of this session's own, removed with it."""

    def __init__(self, argv, cwd=None, timeout=30, dimensions=None, quits=False,
                 monitor=None, workdir=None):
        self.quits = quits
        self.workdir = workdir
        self.child = None
        self.monitor = None
        try:
            self.child = pexpect.spawn(argv[0], argv[1:], cwd=cwd, timeout=timeout,
                                       encoding="utf-8", codec_errors="replace",
                                       dimensions=dimensions)
            self.wait_prompt()
            if monitor:
                self.monitor = socket.socket(socket.AF_UNIX)
                self.monitor.connect(monitor)     # QEMU listens before the guest starts
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None and self.quits:
                self.child.sendcontrol("a")
                self.child.send("x")
                self.child.expect(pexpect.EOF, timeout=20)
        finally:
            self.close()

    def close(self):
        """Stop QEMU if it still runs, and forget the session; cannot fail."""
        if self.monitor:
            self.monitor.close()
        if self.child:
            self.child.close(force=True)
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def type(self, line):
        """Type `line` and Enter on the serial console; returns at once."""
        self.child.send(line + "\r")

    def wait_prompt(self, timeout=-1):
        """Wait for the next prompt at the start of a line (timeout -1: the session's)."""
        self.child.expect_exact(NEW_PROMPT, timeout=timeout)

    def output(self):
        """What came before the last match (for wait_prompt: the line typed, echoed, and
        its output), with CRs dropped."""
        return self.child.before.replace("\r", "")

    def lines(self):
        """output(), one line each."""
        return self.output().split("\n")

    def run(self, line, timeout=30):
        """Type `line`, return its output() up to the next prompt."""
        self.type(line)
        self.wait_prompt(timeout)
        return self.output()

    def press(self, codes, pause=0.02):
        """Press and release each key of `codes` on the PS/2 keyboard, `pause` seconds
        apart: arguments of QEMU's `sendkey` (shell_session.sendkeys builds them from
        keymap.def). Only with keyboard=True."""
        if self.monitor is None:
            raise ValueError("press() needs a session booted with keyboard=True")
        for code in codes:
            self.monitor.sendall(("sendkey %s\n" % code).encode())
            time.sleep(pause)


def make_run_serial():
    """`make -s run-serial` in a 50x100 terminal, as a user runs it: GRUB boots the ISO
    (multiboot2, the initrd a module), COM1 and QEMU's monitor share the terminal, and
    Ctrl-A x quits."""
    return ConsoleSession(["make", "-s", "run-serial"], cwd=ROOT, timeout=60,
                          dimensions=(50, 100), quits=True)


def boot_kernel(display="none", keyboard=False):
    """lockstep.elf (in BUILD) through QEMU's own loader (multiboot v1), COM1 on the terminal.
    display "serial" wires COM1 as `make run-serial` does, so that a Ctrl+C typed reaches
    the kernel rather than stopping QEMU; keyboard puts QEMU's monitor on a socket, for
    press()."""
    kernel = os.path.join(BUILD, "lockstep.elf")
    if not keyboard:
        return ConsoleSession(qemu.command(kernel, display=display))
    if display != "none":
        raise ValueError("keyboard: QEMU's monitor is on a socket with display \"none\" only")
    workdir = tempfile.mkdtemp(prefix="lockstep-console-", dir=BUILD)  # a short socket path
    monitor = os.path.join(workdir, "monitor.sock")
    return ConsoleSession(qemu.command(kernel, monitor=monitor), monitor=monitor,
                          workdir=workdir)
