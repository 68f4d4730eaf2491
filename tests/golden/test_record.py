"""Record mode from outside: scripted live sessions (tools/live.py) with keys sent through
QMP at host-chosen, irregular times (seeded random delays) and commands that print a lot,
so that timer ticks arrive in the middle of work; each is converted to a recorded .keys
file and replayed, and the replayed trace must equal the live one event by event (up to
the last complete live event). And `tools/replay.py record` (make record) in a terminal."""
import concurrent.futures
import os
import random
import re
import subprocess
import sys
import time

import pexpect
import pytest

from conftest import BUILD, ROOT
import keys as keysfile
import live
import replay
import trace as tracetool

KERNEL = os.path.join(BUILD, "lockstep.elf")
SESSIONS = 20
HEAVY = ["help", "trace tail 200", "trace tail 120", "help trace"]
LIGHT = ["tasks", "mem", "irq", "uptime", "trace", "version", "sleep 200", "fault breakpoint",
         "echo The quick brown fox jumps over the lazy dog: 0123456789!", "help sleep",
         'echo "two  words" and more']


def session_lines(seed):
    rng = random.Random(seed)
    return [rng.choice(HEAVY)] + rng.sample(LIGHT, 2) + rng.sample(HEAVY, 2)


def one_session(seed, workdir):
    """Type a session live, then record it: (live records, replay Result, report)."""
    keymap = keysfile.Keymap()
    script = live.typing_script(session_lines(seed), seed, keymap, pause=(0.0, 0.5),
                                repeat=3 if seed % 4 == 0 else 0)
    with live.LiveSession(KERNEL) as session:
        session.wait_for()
        session.play(script)
        time.sleep(random.Random(seed).uniform(0.1, 0.4))
        data, _ = session.stop()
    return replay.finish_recording(data, os.path.join(workdir, "session%02d.keys" % seed),
                                   KERNEL)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("record"))

    def run(seed):
        try:
            return one_session(seed, workdir)
        except (replay.ReplayError, live.LiveError) as err:
            return err
    # Live sessions mostly wait on the host's clock: several at once keep the test short
    # and make their timing less regular still.
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        return dict(zip(range(SESSIONS), pool.map(run, range(SESSIONS))))


@pytest.mark.parametrize("seed", range(SESSIONS))
def test_a_scripted_live_session_replays_to_the_live_trace(seed, sessions):
    outcome = sessions[seed]
    assert not isinstance(outcome, Exception), "session %d: %s" % (seed, outcome)
    records, result, report = outcome
    assert report is None, "session %d (lines %r):\n%s" % (seed, session_lines(seed), report)
    inputs = [r for r in records if r.name == "irq_enter"]
    keys_in = [r for r in inputs if r.values["vector"][1] == keysfile.VECTOR_KEYBOARD]
    assert len(keys_in) >= 2 * sum(len(line) + 1 for line in session_lines(seed)), \
        "session %d: not every key reached the kernel" % seed


def test_ticks_landed_in_the_middle_of_work(sessions):
    """An input taken right after a poll (not at idle) arrived while the kernel was busy:
    the case that needs exact boundaries rather than idle points. Each session has a
    few (a poll that prints 200 events takes milliseconds; a tick comes every 10)."""
    mid_work = 0
    for outcome in sessions.values():
        if isinstance(outcome, Exception):
            continue
        records = outcome[0]
        for before, r in zip(records, records[1:]):
            if r.name == "irq_enter" and before.name == "poll_end":
                mid_work += 1
    assert mid_work >= SESSIONS // 2, "only %d inputs in %d sessions arrived mid-work" % (
        mid_work, SESSIONS)


def test_record_in_a_terminal(tmp_path):
    """`make record` runs this: QEMU draws the VGA console with curses, the keys typed in
    the terminal reach the emulated PS/2 keyboard; Esc 2 and `quit` end the session."""
    child = pexpect.spawn(sys.executable, [os.path.join(ROOT, "tools", "replay.py"), "record",
                                           "typed", "--dir", str(tmp_path), "--kernel", KERNEL],
                          cwd=ROOT, timeout=60, encoding="utf-8", codec_errors="replace",
                          dimensions=(30, 100), env=dict(os.environ, TERM="xterm"))
    try:
        child.expect(live.PROMPT.rstrip())
        time.sleep(0.5)
        for char in "echo typed\r":
            child.send(char)
            time.sleep(0.05)
        child.expect("typed")
        time.sleep(0.5)
        child.send("\x1b2")                  # Esc 2: the QEMU monitor
        time.sleep(0.5)
        child.send("quit\r")
        child.expect(r"record: the replayed trace equals the live trace")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    text = (tmp_path / "typed.keys").read_text()
    assert re.search(r"^=\d+ raw 14   # T down$", text, re.M)
    assert (tmp_path / "typed.trace").exists() and (tmp_path / "typed.console").exists()
    assert (live.PROMPT + "echo typed").encode() in (tmp_path / "typed.console").read_bytes()


def test_a_live_session_with_user_programs_replays_to_the_live_trace(tmp_path):
    """User programs in record mode: `spin` makes no syscall, so its only boundaries are
    the interrupts that end its ring-3 runs; they are recorded `in-program` and replay
    injects them where those runs would start. Ctrl+C kills it; `counter` sleeps; `keys`
    waits in read for typed lines. The replay must equal the live trace."""
    keymap = keysfile.Keymap()
    ctrl, c = keymap.find("Ctrl"), keymap.find("C")
    script = live.typing_script(["hello", "counter 3", "spin"], 7, keymap, pause=(0.4, 0.6))
    script += [(1.0, None, None), (0.01, "down", ctrl), (0.05, "down", c), (0.02, "up", c),
               (0.02, "up", ctrl), (0.3, None, None)]
    script += live.typing_script(["keys", "abc", "quit", "hello"], 8, keymap, pause=(0.2, 0.3))
    with live.LiveSession(KERNEL) as session:
        session.wait_for()
        session.play(script)
        session.wait_for(b"I am pid", count=2)
        console = session.console()
        data, _ = session.stop()
    keys_path = str(tmp_path / "programs.keys")
    records, result, report = replay.finish_recording(data, keys_path, KERNEL)
    assert report is None, report
    text = open(keys_path).read()
    assert re.search(r"^=\d+ in-program tick \d+$", text, re.M), text   # spin, preempted
    assert b"killed: interrupted (Ctrl+C)" in console
    assert b"keys: got 4 bytes: abc" in console


def test_a_recording_that_ends_while_a_program_spins_replays(tmp_path):
    """QEMU quit while `spin` ran: replay runs ring 3 with interrupts off, so once the log
    is used up nothing could stop it; the kernel ends the replay there instead of
    spinning until the host's timeout, and the replay equals the live trace."""
    keymap = keysfile.Keymap()
    script = live.typing_script(["spin"], 3, keymap, pause=(1.0, 1.0))
    with live.LiveSession(KERNEL) as session:
        session.wait_for()
        session.play(script)
        session.wait_for(b"looping forever")
        data, _ = session.stop()
    records, result, report = replay.finish_recording(data, str(tmp_path / "spin.keys"),
                                                      KERNEL)
    assert report is None, report
    assert any(r.name == "task_spawn" and r.values["name"][1].startswith(b"spin")
               for r in records)


def header_modes(data):
    return [i.mode_name for i in tracetool.decode(data, tracetool.EventTable(), headers=True)
            if isinstance(i, tracetool.Header)]


def convert(path):
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", "replay.py"),
                           "convert", str(path)], capture_output=True, text=True, timeout=60)


def test_convert_refuses_a_normal_mode_capture_by_its_header(tmp_path):
    """Regression: `replay.py convert build/trace.bin` (make trace: a normal-mode boot)
    wrote the interrupts that came inside a kernel task's poll as in-program inputs, and
    the replay diverged. The stream's header frame now gives the kernel's run mode, and
    convert takes only record: this capture of the running kernel is refused by its mode,
    whatever its interrupts look like."""
    path = tmp_path / "trace.bin"
    data = tracetool.capture(3, KERNEL, str(path))
    assert header_modes(data) == ["normal"]
    result = convert(path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "replay: error: the capture's stream header gives run mode normal, not record: only "
        "a capture of boot option `record` (make record, tools/live.py) converts; `make "
        "trace` and `make run` capture in normal mode\n")


def test_the_header_of_each_mode_says_it(tmp_path):
    """Record mode (tools/live.py boots `record`) and replay mode say so in the header:
    record_start and replay_start set it before the first drain."""
    with live.LiveSession(KERNEL) as session:
        session.wait_for()
        data, _ = session.stop()
    assert header_modes(data) == ["record"]
    path = tmp_path / "live.bin"
    path.write_bytes(data)
    result = convert(path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(replay.RECORDED_HEADER)
    replayed = replay.run_log([(keysfile.AT_IDLE, keysfile.VECTOR_TIMER, 1)], KERNEL)
    assert header_modes(replayed.trace) == ["replay"]
    path.write_bytes(replayed.trace)
    assert "header gives run mode replay, not record" in convert(path).stderr
