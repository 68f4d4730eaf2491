"""Truncated and corrupt replay logs, as the kernel itself sees them (boot option
`replay`, the log as the first multiboot module): each is refused before anything runs,
with its reason on the console and QEMU's exit status 35, and never falls back to a
live session. tests/golden/test_golden.py covers logs whose entries are bad (a vector
other than 32 and 33, unknown flags) and replays that diverge; these are the logs whose
framing is bad: no log, an empty one, a header cut short, a wrong magic, an entry count
past the end, and (a bug, not yet fixed) entries past the count."""
import os
import shutil
import subprocess

import pytest

import keys
import qemu
from conftest import BUILD

KERNEL = os.path.join(BUILD, "lockstep.elf")
NOT_A_LOG = "replay: the first module is not a replay log (magic LKRPLAY1)"
SHORT = "replay: the log is shorter than its entry count"


def entry(n):
    """The n-th entry of a well-formed log: a timer tick at the next idle point."""
    return keys.LOG_ENTRY.pack(keys.AT_IDLE, keys.VECTOR_TIMER, 0, n + 1)


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
