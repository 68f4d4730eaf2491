"""The golden suite: every tests/golden/CASE.keys replayed (tools/replay.py) must give its
CASE.trace and CASE.console exactly; 20 replays of every case must be byte-identical, on
a quiet host and with a CPU hog on every core; a hand-broken golden is caught with an
exact first-divergence report; QEMU's exit statuses are reported for what they mean."""
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import BUILD, ROOT
import keys as keysfile
import replay

KERNEL = os.path.join(BUILD, "lockstep.elf")
GOLDEN = os.path.join(ROOT, "tests", "golden")
CASES = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(GOLDEN, "*.keys")))
RUNS = 20
REPLAY = [sys.executable, os.path.join(ROOT, "tools", "replay.py")]


def replay_all(runs, jobs):
    """{case: [Result or ReplayError] * runs}: every replay of every case, `jobs` at once."""
    keymap = keysfile.Keymap()
    logs = {c: keysfile.entries(keysfile.load(os.path.join(GOLDEN, c + ".keys"), keymap))
            for c in CASES}
    results = {c: [] for c in CASES}

    def one(case):
        try:
            return replay.run_log(logs[case], KERNEL)
        except replay.ReplayError as err:
            return err
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for case, result in zip([c for c in CASES for _ in range(runs)],
                                pool.map(one, [c for c in CASES for _ in range(runs)])):
            results[case].append(result)
    return results


CORES = os.cpu_count() or 2


@pytest.fixture(scope="module")
def quiet():
    return replay_all(RUNS, CORES)


@pytest.fixture(scope="module")
def loaded(quiet):
    """The same replays with a busy loop (`yes > /dev/null`) on every core, at the same
    priority; twice as many replays at once as cores, so that they compete with the hogs
    and with each other."""
    hogs = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL) for _ in range(CORES)]
    try:
        time.sleep(0.2)
        assert all(h.poll() is None for h in hogs)
        return replay_all(RUNS, 2 * CORES)
    finally:
        for h in hogs:
            h.kill()
            h.wait()


def runs_of(results, case):
    errors = [r for r in results[case] if isinstance(r, replay.ReplayError)]
    assert not errors, "replay failed: %s" % errors[0]
    return results[case]


def test_the_suite_has_at_least_20_cases():
    assert len(CASES) >= 20, CASES


def test_every_shell_command_has_a_golden_case():
    """Command names from the shell's one table (kernel/shell/commands.c)."""
    with open(os.path.join(ROOT, "kernel", "shell", "commands.c")) as f:
        commands = re.findall(r'^\s*\{\s*"(\w+)",', f.read(), re.M)
    assert "help" in commands and "version" in commands
    typed = set()
    for case in CASES:
        with open(os.path.join(GOLDEN, case + ".keys")) as f:
            typed |= set(re.findall(r"^\S+\s+type\s+(\w+)", f.read(), re.M))
    missing = [c for c in commands if c not in typed]
    assert not missing, "no golden case types: %s" % ", ".join(missing)


@pytest.mark.parametrize("case", CASES)
def test_golden_case_matches(case, quiet):
    result = runs_of(quiet, case)[0]
    reports = replay.compare(result, *replay.golden_paths(os.path.join(GOLDEN, case + ".keys")))
    assert not reports, "\n".join(reports)


@pytest.mark.parametrize("case", CASES)
def test_twenty_replays_are_byte_identical(case, quiet):
    runs = runs_of(quiet, case)
    assert len(runs) == RUNS
    for n, r in enumerate(runs[1:], 1):
        assert r.trace == runs[0].trace, "run %d: %s" % (n, replay.first_divergence(
            runs[0].lines, r.lines, "run 0"))
        assert r.console == runs[0].console, "run %d: %s" % (n, replay.console_divergence(
            runs[0].console, r.console, "run 0"))


@pytest.mark.parametrize("case", CASES)
def test_twenty_replays_on_a_loaded_host_are_byte_identical(case, quiet, loaded):
    reference = runs_of(quiet, case)[0]
    for n, r in enumerate(runs_of(loaded, case)):
        assert r.trace == reference.trace, "loaded run %d: %s" % (n, replay.first_divergence(
            reference.lines, r.lines, "the quiet run"))
        assert r.console == reference.console


# ---- first-divergence reports, checked exactly ----

CASE = "version"


@pytest.fixture
def golden(tmp_path):
    """The version case's golden trace lines, and a temp copy of its .keys to break."""
    with open(os.path.join(GOLDEN, CASE + ".trace")) as f:
        lines = f.read().splitlines()
    keys = tmp_path / (CASE + ".keys")
    shutil.copy(os.path.join(GOLDEN, CASE + ".keys"), keys)
    return lines, keys


def expect(keys, lines):
    """Write `lines` as the temp golden trace and replay against it: (status, stdout)."""
    trace = keys.with_suffix(".trace")
    trace.write_text("".join(line + "\n" for line in lines))
    result = subprocess.run(REPLAY + [str(keys), "--kernel", KERNEL, "--expect", str(trace)],
                            capture_output=True, text=True, timeout=120)
    assert result.stderr == "" and "Traceback" not in result.stdout
    return result.returncode, result.stdout


def test_one_event_changed_by_hand_is_reported_exactly(golden):
    lines, keys = golden
    k = next(n for n, line in enumerate(lines) if "irq_enter vector=33 data=" in line)
    code = int(lines[k].rsplit("=", 1)[1])
    broken = list(lines)
    broken[k] = lines[k][:lines[k].rindex("=") + 1] + str(code + 1)
    tick = int(lines[k].split()[1])
    status, out = expect(keys, broken)
    assert status == 1
    assert out == "\n".join([
        "trace differs from %s: first divergence at event %d (line %d, tick %d)"
        % (keys.with_suffix(".trace"), k, k + 1, tick),
        "  before it, the same in both:",
        "    " + lines[k - 3], "    " + lines[k - 2], "    " + lines[k - 1],
        "  expected:",
        "  > " + broken[k], "    " + lines[k + 1], "    " + lines[k + 2], "    " + lines[k + 3],
        "  actual:",
        "  > " + lines[k], "    " + lines[k + 1], "    " + lines[k + 2], "    " + lines[k + 3],
        "  expected %d events, got %d" % (len(lines), len(lines)),
    ]) + "\n"


def test_a_missing_event_and_a_shorter_golden_are_reported(golden):
    lines, keys = golden
    k = len(lines) // 2
    status, out = expect(keys, lines[:k] + lines[k + 1:])
    assert status == 1
    assert out.split("\n")[0].startswith(
        "trace differs from %s: first divergence at event %d (line %d, tick "
        % (keys.with_suffix(".trace"), k, k + 1))
    assert "  expected:\n  > %s\n" % lines[k + 1] in out
    assert "  actual:\n  > %s\n" % lines[k] in out
    assert out.endswith("  expected %d events, got %d\n" % (len(lines) - 1, len(lines)))

    status, out = expect(keys, lines[:-2])
    assert status == 1
    assert out.endswith("\n".join([
        "  expected:", "  > (end of trace)",
        "  actual:", "  > " + lines[-2], "    " + lines[-1], "    (end of trace)",
        "  expected %d events, got %d" % (len(lines) - 2, len(lines))]) + "\n")


def test_a_console_difference_is_reported_with_its_line(golden):
    lines, keys = golden
    with open(os.path.join(GOLDEN, CASE + ".console"), "rb") as f:
        console = f.read().split(b"\n")
    k = next(n for n, line in enumerate(console) if line.startswith(b"Lockstep 0."))
    console[k] = console[k].replace(b"Lockstep", b"Lockstop")
    keys.with_suffix(".console").write_bytes(b"\n".join(console))
    status, out = expect(keys, lines)
    assert status == 1
    assert out == ("console differs from %s at line %d:\n  expected %r\n  actual   %r\n"
                   % (keys.with_suffix(".console"), k + 1,
                      console[k].decode(), console[k].decode().replace("Lockstop", "Lockstep")))


def test_update_rewrites_the_golden_files(golden):
    lines, keys = golden
    keys.with_suffix(".trace").write_text("stale\n")
    result = subprocess.run(REPLAY + [str(keys), "--kernel", KERNEL, "--update"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert keys.with_suffix(".trace").read_text().splitlines() == lines
    with open(os.path.join(GOLDEN, CASE + ".console"), "rb") as f:
        assert keys.with_suffix(".console").read_bytes() == f.read()
    assert expect(keys, lines) == (0, "")


def test_a_golden_trace_that_is_not_utf8_is_an_error_not_a_traceback(golden):
    # Regression: a .trace holding bytes ff fe gave a UnicodeDecodeError traceback, both
    # with --expect and in `replay.py check`.
    _, keys = golden
    keys.with_suffix(".trace").write_bytes(b"\xff\xfe")
    message = "%s:1: byte 0xff is not UTF-8 text" % keys.with_suffix(".trace")
    result = subprocess.run(REPLAY + [str(keys), "--kernel", KERNEL, "--expect",
                                      str(keys.with_suffix(".trace"))],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("replay: error: " + message)
    result = subprocess.run(REPLAY + ["check", str(keys), "--kernel", KERNEL],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.startswith("FAIL %s\n  %s" % (keys, message))


def test_check_obeys_its_timeout(golden):
    # Regression: `replay.py check` parsed --timeout and never used it.
    _, keys = golden
    result = subprocess.run(REPLAY + ["check", str(keys), "--kernel", KERNEL, "--timeout",
                                      "0.001"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout
    assert "replay failed: QEMU did not exit within 0.001 s" in result.stdout


# ---- what QEMU's exit status means ----

def test_a_log_the_kernel_refuses_is_an_error():
    with pytest.raises(replay.ReplayError, match=r"status 35: the kernel refused the replay "
                       r"log: replay: .*vector other than 32 and 33"):
        replay.run_log([(keysfile.AT_IDLE, 40, 0)], KERNEL)


def test_a_log_with_unknown_flags_is_refused():
    with pytest.raises(replay.ReplayError, match=r"status 35: the kernel refused the replay "
                       r"log: replay: .*unknown flags"):
        replay.run_log([(5, keysfile.VECTOR_TIMER, 1, 0x80)], KERNEL)
    with pytest.raises(replay.ReplayError, match=r"unknown flags"):        # not at idle
        replay.run_log([(keysfile.AT_IDLE, keysfile.VECTOR_TIMER, 1, keysfile.IN_PROGRAM)],
                       KERNEL)


def test_an_in_program_input_with_no_program_to_run_diverges():
    # Recorded as ending a user program's run, but no program runs at that boundary:
    # the kernel reaches idle with the input still due and reports the divergence.
    with pytest.raises(replay.ReplayError, match=r"status 39: .*diverged"):
        replay.run_log([(3, keysfile.VECTOR_TIMER, 1, keysfile.IN_PROGRAM)], KERNEL)


@pytest.mark.parametrize("log,message", [
    # Regression: `=4 in-program raw 1e` gave "idle at boundary 4, but the next input is
    # recorded at boundary 4", a seeming contradiction that did not say the input was an
    # in-program one (it needs a program's run in the poll after boundary 4).
    ([(4, keysfile.VECTOR_KEYBOARD, 0x1e, keysfile.IN_PROGRAM)],
     "idle at boundary 4 with no task ready, but the next input is an in-program one: it "
     "arrived while a user program ran, in the poll after boundary 4"),
    ([(3, keysfile.VECTOR_TIMER, 1, keysfile.IN_PROGRAM)],
     "at boundary 4, an in-program input is still due: it arrived while a user program "
     "ran, in the poll after boundary 3, but no program entered ring 3 before boundary 4"),
    ([(30, keysfile.VECTOR_KEYBOARD, 0x1e)],
     "idle at boundary 4 with no task ready, but the next input is recorded at boundary 30"),
    ([(keysfile.AT_IDLE, keysfile.VECTOR_KEYBOARD, 0x1e), (1, keysfile.VECTOR_KEYBOARD, 0x9e)],
     "an input recorded at boundary 1 is still due at 5"),
], ids=["in-program-at-idle", "in-program-passed", "positioned-at-idle", "positioned-passed"])
def test_a_divergence_says_which_kind_of_input_is_due(log, message):
    with pytest.raises(replay.ReplayError) as diverged:
        replay.run_log(log, KERNEL)
    assert str(diverged.value) == "QEMU exited with status 39: the kernel diverged from the " \
        "recording: replay: diverged: " + message


def test_a_recording_that_diverges_is_an_error():
    with pytest.raises(replay.ReplayError, match=r"status 39: the kernel diverged from the "
                       r"recording: replay: diverged"):
        replay.run_log([(1000000, keysfile.VECTOR_TIMER, 1)], KERNEL)


def test_a_hung_qemu_is_a_timeout_error():
    with pytest.raises(replay.ReplayError,
                       match=r"QEMU did not exit within 0.001 s: the kernel hung"):
        replay.run_log([(keysfile.AT_IDLE, 32, 1)], KERNEL, timeout=0.001)


def test_reboot_ends_the_replay_with_its_trace():
    """The log describes one boot: `reboot` ends a replay (status 41), trace flushed."""
    result = replay.replay_file(os.path.join(GOLDEN, "reboot.keys"), kernel=KERNEL)
    assert result.status == replay.EXIT_REBOOT
    assert result.console.rstrip().endswith(b"rebooting...")


def test_a_panic_ends_the_replay_with_its_trace():
    result = replay.replay_file(os.path.join(GOLDEN, "panic.keys"), kernel=KERNEL)
    assert result.status == replay.EXIT_PANIC
    assert b"PANIC: the end of this run" in result.console
