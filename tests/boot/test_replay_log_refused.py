"""Truncated and corrupt replay logs, as the kernel itself sees them (boot option
`replay`, the log as the first multiboot module): each is refused before anything runs,
with its reason on the console and QEMU's exit status 35, and never falls back to a
live session. tests/golden/test_golden.py covers logs whose entries are bad (a vector
other than 32 and 33, unknown flags) and replays that diverge; these are the logs whose
framing is bad: no log, an empty one, a header cut short, a wrong magic, an entry count
past the end, entries past the count; and logs no replay could follow, which the kernel
once reported as diverged (status 39): an entry at boundary 0, boundaries out of order,
a timer entry whose data is not the tick it starts."""
import os
import shutil
import subprocess

import pytest

import keys
import qemu
import replay as replay_tool
from conftest import BUILD

KERNEL = os.path.join(BUILD, "lockstep.elf")
NOT_A_LOG = "replay: the first module is not a replay log (magic LKRPLAY1)"
SHORT = "replay: the log is shorter than its entry count"


def entry(n):
    """The n-th entry of a well-formed log: a timer tick at the next idle point."""
    return keys.LOG_ENTRY.pack(keys.AT_IDLE, keys.VECTOR_TIMER, 0, n + 1)


def log(*entries):
    """A log of (boundary, vector, data[, flags]) entries, as tools/keys.py writes one."""
    return keys.encode_log(list(entries))


def header(count, magic=keys.LOG_MAGIC):
    return keys.LOG_HEADER.pack(magic, count, 0)


def replay(tmp_path, log, kernel=KERNEL):
    """Boot `kernel` in replay mode with `log` (bytes, or None for no module at all);
    return (QEMU's exit status, the console text)."""
    console = tmp_path / "console.log"
    modules = []
    if log is not None:
        (tmp_path / "input.log").write_bytes(log)
        modules = [str(tmp_path / "input.log")]
    argv = qemu.command(kernel, cmdline="replay", modules=modules, console_log=str(console))
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    return result.returncode, console.read_text(errors="replace")


def check_refused(status, console, reason):
    assert reason in console, console[-1500:]
    assert status == qemu.EXIT_FAIL
    assert "STI" not in console and "Welcome to Lockstep" not in console   # nothing ran


@pytest.mark.parametrize("log, reason", [
    (b"", NOT_A_LOG),                                            # a zero-length module
    (keys.LOG_MAGIC, NOT_A_LOG),                                 # the header cut short
    (header(15)[:15], NOT_A_LOG),                                # one byte short of it
    (header(1, magic=b"LKRPLAY2") + entry(0), NOT_A_LOG),        # another format
    (header(1, magic=b"\0" * 8) + entry(0), NOT_A_LOG),
    (header(3) + entry(0) + entry(1) + entry(2)[:7], SHORT),     # cut inside an entry
    (header(3) + entry(0), SHORT),                               # cut after one
    (header(0xffffffff) + entry(0), SHORT),                      # a count off the scale
], ids=["empty", "magic_only", "header_cut", "other_magic", "zero_magic", "entry_cut",
        "entries_missing", "huge_count"])
def test_a_broken_log_is_refused_with_its_reason(tmp_path, log, reason):
    check_refused(*replay(tmp_path, log), reason)


def test_replay_without_a_log_is_refused(tmp_path):
    # QEMU's -kernel path adds build/initrd.tar as the last module: a kernel on its own
    # gets no module at all, and with only the initrd the first module is no log.
    alone = tmp_path / "lockstep.elf"
    shutil.copy(KERNEL, alone)
    check_refused(*replay(tmp_path, None, kernel=str(alone)),
                  "replay: no log: pass it as the first multiboot module")
    check_refused(*replay(tmp_path, None), NOT_A_LOG)


@pytest.mark.parametrize("tail", [entry(1) + entry(2), b"\x05\x06\x07"],
                         ids=["two_entries", "three_bytes"])
def test_replay_log_longer_than_its_entry_count_is_refused(tmp_path, tail):
    """tools/keys.py's decode_log refuses such a log ("its entry count does not match
    its size"); the kernel must not replay part of it as if it were whole."""
    status, console = replay(tmp_path, header(1) + entry(0) + tail)
    assert status == qemu.EXIT_FAIL, console[-1500:]
    assert "replay: " in console and "Welcome to Lockstep" not in console


KEY, TICK, IDLE = keys.VECTOR_KEYBOARD, keys.VECTOR_TIMER, keys.AT_IDLE
IN_PROGRAM = keys.IN_PROGRAM
NOT_THE_TICK = "replay: the log has a timer entry whose data is not the tick it starts " \
    "(1, 2, 3...)"
AFTER_IN_PROGRAM = "replay: the log has an entry after an in-program entry at the same boundary"


@pytest.mark.parametrize("entries, reason", [
    # Regression: at_boundary counts from 1, so the entry was still due at 1 (status 39,
    # "diverged: an input recorded at boundary 0 is still due at 1").
    ([(0, KEY, 0x1e), (0, KEY, 0x9e)], "replay: the log has an entry at boundary 0 "
                                        "(boundaries count from 1)"),
    # Regression: the raw log [(10,33,0x1e),(5,33,0x9e)] diverged at boundary 11.
    ([(10, KEY, 0x1e), (5, KEY, 0x9e)], "replay: the log's boundaries go backwards"),
    ([(10, KEY, 0x1e), (IDLE, TICK, 1), (5, KEY, 0x9e)],      # idle entries do not count
     "replay: the log's boundaries go backwards"),
    # An in-program entry arrives in the poll after its boundary: nothing at that
    # boundary can follow it (the poll takes one), not even another in-program entry.
    ([(4, KEY, 0x1e, IN_PROGRAM), (4, KEY, 0x9e)], AFTER_IN_PROGRAM),
    ([(4, TICK, 1, IN_PROGRAM), (4, KEY, 0x9e, IN_PROGRAM)], AFTER_IN_PROGRAM),
    # Regression: a timer entry's data is what the trace records for its tick; tick 3
    # was traced as `irq_enter vector=32 data=7`.
    ([(IDLE, TICK, 1), (IDLE, TICK, 2), (IDLE, TICK, 7)], NOT_THE_TICK),
    ([(IDLE, TICK, 0)], NOT_THE_TICK),
    ([(IDLE, KEY, 0x1e), (3, TICK, 2)], NOT_THE_TICK),        # keys are not ticks
], ids=["boundary_0", "boundaries_decrease", "boundaries_decrease_past_idle",
        "plain_after_in_program", "two_in_program", "tick_skips", "tick_0",
        "first_tick_is_2"])
def test_a_log_no_replay_could_follow_is_refused_as_malformed_not_diverged(tmp_path, entries,
                                                                           reason):
    check_refused(*replay(tmp_path, log(*entries)), reason)


@pytest.mark.parametrize("entries, status", [
    # No program runs in the first poll, nor in the poll after boundary 2: both replays
    # diverge at run time, as a replay whose program is missing does.
    ([(0, KEY, 0x1e, IN_PROGRAM)], replay_tool.EXIT_DIVERGED),
    ([(2, TICK, 1), (2, KEY, 0x1e), (2, KEY, 0x9e, IN_PROGRAM)], replay_tool.EXIT_DIVERGED),
    ([(2, TICK, 1), (2, KEY, 0x1e), (IDLE, TICK, 2), (IDLE, KEY, 0x9e), (10, TICK, 3),
      (10, KEY, 0x30)], qemu.EXIT_PASS),          # boundary 10: idle after the 9e
    ([(IDLE, TICK, (n + 1) & 0xffff) for n in range(65537)], qemu.EXIT_PASS),
], ids=["in_program_at_0", "in_program_last", "idle_between", "tick_data_wraps"])
def test_the_logs_those_rules_allow_are_replayed(tmp_path, entries, status):
    # The edges of each rule: an in-program entry at boundary 0 (the first poll's) or
    # after its boundary's plain entries, equal boundaries, idle entries between
    # positioned ones, tick data that wraps at 16 bits. Accepted at load time.
    got, console = replay(tmp_path, log(*entries))
    assert "replay: %d inputs from the log" % len(entries) in console, console[-1500:]
    assert got == status, console[-1500:]
