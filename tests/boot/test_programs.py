"""User programs (issue 9), driven as a user would: a serial-console session of
`make run-serial` (GRUB, the initrd as a multiboot2 module) runs every program in the
initrd, each misbehaving one is contained with its report, `spin` is killed by Ctrl+C
while the timer keeps preempting it, and no frame leaks. A second boot (QEMU's direct
loader, the PS/2 keyboard through the monitor) kills `spin` with Ctrl+C on the keyboard.
Two more sessions of `make run-serial`: lines typed while a program runs reach the shell
afterwards (but for those Ctrl+C drops), and bad number arguments are refused."""
import re
import time

from console_session import KILLED_BY_CTRL_C, PROMPT, boot_kernel, make_run_serial
from shell_session import CTRL_C, sendkeys

PROGRAMS = ["badsys", "cat", "counter", "divide", "echo", "exitwith", "flood", "fpu",
            "hello", "kernelptr", "keys", "movss", "nullptr", "privileged", "segments",
            "spin", "undefined"]


def frames_in_use(output):
    m = re.search(r"^frames: (\d+) in use", output, re.M)
    assert m, output
    return int(m.group(1))


def task_polls(output, name):
    m = re.search(r"^ +\d+ %s +\w+ +(\d+)" % name, output, re.M)
    assert m, output
    return int(m.group(1))


def test_every_program_over_the_serial_console():
    with make_run_serial() as s:
        # The first program grows the heap and builds the kernel-stack page tables, which
        # stay; from then on, every program must give back every frame it took.
        s.run("hello")
        frames_before = frames_in_use(s.run("mem"))

        out = s.run("ls")
        for name in PROGRAMS:
            assert re.search(r"^  %s +\d+  program$" % name, out, re.M), out
        assert re.search(r"^  readme.txt +\d+  file$", out, re.M), out

        assert re.search(r"^Hello from user space! I am pid \d+\.$", s.run("run hello"), re.M)
        assert re.search(r"^Hello from user space! I am pid \d+\.$", s.run("hello"), re.M)
        assert "a b c" in s.run('run echo a "b c"').split("\n")
        out = s.run("run cat readme.txt")
        assert "This file lives in Lockstep's initrd" in out, out
        out = s.run("run cat nosuch")
        assert "cat: nosuch: ENOENT" in out and re.search(r"\[pid \d+\] exited with code 1", out)
        assert "nosuch: no such program (ls lists the initrd)" in s.run("run nosuch")
        assert "readme.txt: not a program Lockstep can run: bad magic" in \
            s.run("run readme.txt")

        out = s.run("counter 3")
        times = [int(t) for t in re.findall(r"^counter: \d of 3 \(uptime (\d+) ms\)$", out, re.M)]
        assert len(times) == 3, out
        assert all(b - a >= 100 for a, b in zip(times, times[1:])), out   # sleep_ms(100)

        s.type("keys")
        s.child.expect_exact('keys: type a line ("quit" to stop)')
        s.type("first line")
        s.child.expect_exact("keys: got 11 bytes: first line")
        s.type("quit")
        s.child.expect_exact("keys: got 5 bytes: quit")
        s.wait_prompt()

        # A terminal that ends lines with CR LF: the LF after the command is not an empty
        # line for the program (the shell's and the program's editors share one decoder).
        s.child.send("keys\r\n")
        s.child.expect_exact('keys: type a line ("quit" to stop)')
        s.child.send("second\r\n")
        s.child.expect(r"keys: got (\d+) bytes: ([^\r\n]*)\r")
        assert s.child.match.groups() == ("7", "second"), s.child.match.groups()
        s.child.send("quit\r\n")
        s.child.expect_exact("keys: got 5 bytes: quit")
        s.wait_prompt()

        out = s.run("nullptr")
        assert re.search(r"^\[pid \d+\] killed: page fault at 0x0 \(read, not mapped; "
                         r"rip 0x4[0-9a-f]+\)$", out, re.M), out
        # fpu: no x87 or MMX in ring 3 (CR0.EM), whose registers would otherwise go from
        # one program to the next, since the kernel saves no FPU state.
        for line, report in [("privileged", "#GP General protection"),
                             ("divide", "#DE Divide error"), ("undefined", "#UD Invalid opcode"),
                             ("fpu", "#NM Device not available"), ("fpu mmx", "#UD Invalid opcode")]:
            out = s.run(line)
            assert re.search(r"^\[pid \d+\] killed: %s at rip 0x4[0-9a-f]+" % report, out,
                             re.M), out
        # exit(-1) is an exit like any other, not taken for a kill and left unreported.
        out = s.run("exitwith -1")
        assert re.search(r"^\[pid \d+\] exited with code -1$", out, re.M), out
        assert "killed" not in out and "exited" not in s.run("exitwith 0"), out
        # A program's data selectors are its own: the next one starts with null ones.
        out = s.run("segments set")
        assert "segments:" not in out and "exited" not in out, out
        out = s.run("segments")
        assert "segments:" not in out and "exited" not in out, out
        assert re.search(r"^movss: getpid after mov ss = \d+$", s.run("movss"), re.M)
        out = s.run("flood 8")                         # 8 KiB in one write(): 2 pages
        assert len(re.findall(r"^([a-z])\1{62}$", out, re.M)) == 128, out
        assert "flood: write returned 8192" in out, out
        out = s.run("kernelptr")
        for call in ("write", "read", "open"):
            assert "kernelptr: %s(kernel address) = -14 (EFAULT)" % call in out, out
        assert "exited with code" not in out and "killed" not in out, out
        out = s.run("badsys")
        assert "badsys: syscall 1000 = -38 (ENOSYS)" in out and "exited" not in out, out

        # spin never makes a syscall: only the timer's preemption lets the other tasks
        # run (the uptime task wakes once a second), and Ctrl+C ends it.
        uptime_polls = task_polls(s.run("tasks"), "uptime")
        s.type("spin")
        s.child.expect_exact("spin: looping forever (Ctrl+C stops me)")
        time.sleep(2.5)
        s.child.sendcontrol("c")
        s.child.expect(KILLED_BY_CTRL_C)
        s.wait_prompt()
        out = s.run("tasks")
        assert task_polls(out, "uptime") >= uptime_polls + 2, out
        assert not re.search(r"^ +\d+ spin ", out, re.M), out

        # A long write goes a page per poll, so the shell's Ctrl+C ends it part-way
        # (it once held the CPU to its end: 164 s for 16 MiB).
        s.type("flood 2048")
        s.child.expect_exact("a" * 63)
        s.child.sendcontrol("c")
        s.child.expect(KILLED_BY_CTRL_C, timeout=20)
        assert len(s.child.before) < 1024 * 1024, len(s.child.before)
        s.wait_prompt()
        assert "write returned" not in s.child.before, s.child.before

        assert re.search(r"^Hello from user space!", s.run("hello"), re.M)
        assert frames_in_use(s.run("mem")) == frames_before       # every page came back


def test_spin_killed_by_ctrl_c_on_the_ps2_keyboard():
    with boot_kernel(keyboard=True) as s:
        s.press(sendkeys(["spin"]), pause=0.05)
        s.child.expect(r"spin: looping forever")
        time.sleep(1)
        s.press(sendkeys([CTRL_C]))
        s.child.expect(KILLED_BY_CTRL_C + r"[^\n]*\n(\r)?" + re.escape(PROMPT))


def test_lines_typed_while_a_program_runs_are_not_lost():
    """Regression (review): every line typed while a program ran was handed to it, so a
    line typed ahead of a program that never reads, or typed after Ctrl+C, was lost. Now
    the program reads what it wants and the shell runs the rest, as if typed at its
    prompt; Ctrl+C drops only what was typed before it, as a tty flushes its input."""
    with make_run_serial() as s:
        s.child.send("hello\recho typed-ahead\r")            # hello never reads
        s.child.expect(r"Hello from user space! I am pid \d+\.")
        s.child.expect(re.escape(PROMPT) + r"echo typed-ahead\r+\ntyped-ahead\r+\n")
        s.child.expect_exact(PROMPT)

        s.child.send("spin\r\x03echo after-kill\r")          # one burst, Ctrl+C inside
        s.child.expect(KILLED_BY_CTRL_C)
        s.child.expect(re.escape(PROMPT) + r"echo after-kill\r+\nafter-kill\r+\n")
        s.child.expect_exact(PROMPT)

        s.child.send("keys\rone\rquit\recho after-quit\r")   # keys reads up to quit
        s.child.expect_exact("keys: got 4 bytes: one")
        s.child.expect_exact("keys: got 5 bytes: quit")
        s.child.expect(re.escape(PROMPT) + r"echo after-quit\r+\nafter-quit\r+\n")
        s.child.expect_exact(PROMPT)

        s.type("spin")
        s.child.expect_exact("spin: looping forever (Ctrl+C stops me)")
        s.type("echo dropped")
        s.child.expect_exact("echo dropped")                 # echoed as typed, queued
        s.child.sendcontrol("c")
        s.child.expect(KILLED_BY_CTRL_C)
        s.child.expect_exact(PROMPT)
        out = s.run("echo next")
        assert out.startswith("echo next\nnext"), out        # the dropped line never ran
        assert "dropped" not in out, out


def test_bad_number_arguments_are_refused_with_exit_code_2():
    """Regression (review): `counter abc` and `counter -5` ran once, `counter 99999999999`
    100 times, `exitwith abc` exited 0, `exitwith 99999999999999999999` 999999999 and
    `flood 3x` wrote 3 KiB. Now the whole argument must be a number in range, or the
    program says so on stderr and exits 2."""
    with make_run_serial() as s:
        for line, what, low, high in [
                ("counter abc", "N", 1, 100), ("counter -5", "N", 1, 100),
                ("counter 99999999999", "N", 1, 100),
                ("exitwith abc", "CODE", -2**31, 2**31 - 1),
                ("exitwith 99999999999999999999", "CODE", -2**31, 2**31 - 1),
                ("flood 3x", "KIB", 1, 2048)]:
            program, text = line.split(" ", 1)
            out = s.run(line)
            message = '%s: %s must be a whole number from %d to %d, not "%s"' % (
                program, what, low, high, text)
            assert out.split("\n")[1] == message, out      # [0] is the line typed
            assert re.search(r"^\[pid \d+\] exited with code 2$", out, re.M), out
            assert "counter: 1 of" not in out and "write returned" not in out, out
        out = s.run("exitwith -2147483648")
        assert re.search(r"^\[pid \d+\] exited with code -2147483648$", out, re.M), out
