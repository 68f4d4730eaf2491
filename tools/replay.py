#!/usr/bin/python3
"""Deterministic replay: golden inputs in, the kernel's trace and console out.

  replay.py CASE.keys [--out F] [--console F] [--expect CASE.trace] [--update]
        boot the kernel in replay mode with CASE.keys compiled to its input log, write
        the decoded trace (--out, default standard output) and the COM1 transcript
        (--console); --expect compares both with the golden files (CASE.console next
        to CASE.trace, if it exists) and reports the first divergence; --update
        rewrites the golden trace and console transcript instead.
  replay.py check [CASE.keys...] [--runs N] [--jobs N] [--update]
        replay golden cases (default: every tests/golden/*.keys) in parallel, N runs
        each, and compare every run with its golden files (make golden).
  replay.py record NAME      make record NAME=x: a live session, saved as a golden case
  replay.py convert LIVE.bin [--out X.keys]   a record-mode trace -> recorded .keys (a
        capture whose stream header gives another mode is refused)

Exit status: 0 success, 1 a trace or console differs from its golden file (for check:
some case failed, its replay included, each reported), 2 an error (bad input such as an
unreadable or malformed .keys file, QEMU hung or refused the log). docs/replay.md
describes the whole scheme.
"""
import argparse
import concurrent.futures
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keys as keysfile                            # noqa: E402
import qemu                                        # noqa: E402
import trace as tracetool                          # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
KERNEL = os.path.join(BUILD, "lockstep.elf")
GOLDEN = os.path.join(ROOT, "tests", "golden")
TIMEOUT = 120                                       # seconds for one replay (CPU hogs too)
CONTEXT = 3                                         # events shown around a divergence
# Golden console transcripts start at the banner: the boot log before it (frame counts,
# section sizes) changes with every kernel build and is checked by tests/boot instead.
CONSOLE_FROM = b"Welcome to Lockstep"

# QEMU exit statuses of a replay: isa-debug-exit makes (code << 1) | 1 of the kernel's
# codes in kernel/async/replay.h (parsed, not copied) and tools/qemu.py.
EXIT_DONE = qemu.EXIT_PASS                          # 33: the log was used up at idle
EXIT_REFUSED = qemu.EXIT_FAIL                       # 35: no log, or a malformed one
EXIT_PANIC = keysfile.REPLAY["EXIT_PANIC"] << 1 | 1            # 37: the kernel panicked
EXIT_DIVERGED = keysfile.REPLAY["EXIT_DIVERGED"] << 1 | 1      # 39: a boundary had passed
EXIT_REBOOT = keysfile.REPLAY["EXIT_REBOOT"] << 1 | 1          # 41: the shell's `reboot`
EXITS = {EXIT_DONE: "the log was used up", EXIT_PANIC: "the kernel panicked",
         EXIT_REBOOT: "the kernel rebooted",
         EXIT_REFUSED: "the kernel refused the replay log",
         EXIT_DIVERGED: "the kernel diverged from the recording"}


class ReplayError(Exception):
    """Anything that stops a replay or a recording: the message says what and why.
    A replay that ran but failed keeps what it captured in .trace and .console."""

    def __init__(self, message, trace=b"", console=b""):
        super().__init__(message)
        self.trace, self.console = trace, console


_TABLE = []


def event_table():
    if not _TABLE:
        try:
            _TABLE.append(tracetool.EventTable())
        except tracetool.TraceError as err:
            raise ReplayError(str(err))
    return _TABLE[0]


def decode(data, headers=False):
    """The decoded trace: Record and Note items of tools/trace.py (and Header items, with
    `headers`)."""
    try:
        return list(tracetool.decode(data, event_table(), headers))
    except tracetool.TraceError as err:
        raise ReplayError("trace stream: %s" % err)


class Result:
    """One replay: the raw trace stream, its decoded text lines, the COM1 transcript,
    QEMU's exit status and the wall time it took."""

    def __init__(self, trace, console, status, seconds):
        self.trace, self.console, self.status, self.seconds = trace, console, status, seconds
        self._lines = None

    @property
    def lines(self):
        """Decoded on first use: comparing raw streams needs no decoding."""
        if self._lines is None:
            self._lines = [item.text() for item in decode(self.trace)]
        return self._lines

    def text(self):
        return "".join(line + "\n" for line in self.lines)


def last_console_line(console):
    """The kernel's last words on COM1 (from its "replay: ..." if the line has one)."""
    lines = [l.strip() for l in console.decode("utf-8", "replace").split("\n") if l.strip()]
    if not lines:
        return "(nothing on COM1)"
    return lines[-1][lines[-1].rfind("replay: "):] if "replay: " in lines[-1] else lines[-1]


def run_log(log, kernel=KERNEL, timeout=TIMEOUT, cmdline="replay"):
    """Boot `kernel` in replay mode with `log` (a list of (boundary, vector, data)) as its
    input and return a Result. Raises ReplayError if QEMU hangs or the kernel refuses
    the log or diverges; a panic (exit 37) is a result like any other."""
    if not os.path.exists(kernel):
        raise ReplayError("%s does not exist (run `make` first)" % kernel)
    with tempfile.TemporaryDirectory(prefix="lockstep-replay-") as tmp:
        paths = {name: os.path.join(tmp, name) for name in ("input.log", "trace.bin",
                                                            "console.log")}
        with open(paths["input.log"], "wb") as f:
            f.write(keysfile.encode_log(log))
        argv = qemu.command(kernel, cmdline=cmdline, modules=[paths["input.log"]],
                            trace_out=paths["trace.bin"], console_log=paths["console.log"])
        start = time.perf_counter()
        try:
            process = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, timeout=timeout)
            status, stderr = process.returncode, process.stderr
        except subprocess.TimeoutExpired:
            status, stderr = None, b""
        except OSError as err:
            raise ReplayError("cannot run %s: %s" % (argv[0], err))
        seconds = time.perf_counter() - start
        data = {}
        for name in ("trace.bin", "console.log"):
            try:
                with open(paths[name], "rb") as f:
                    data[name] = f.read()
            except OSError:
                data[name] = b""
    console = data["console.log"]
    if status is None:
        raise ReplayError("QEMU did not exit within %g s: the kernel hung or stopped going "
                          "idle (last console line: %r)" % (timeout, last_console_line(console)),
                          data["trace.bin"], console)
    if status not in (EXIT_DONE, EXIT_PANIC, EXIT_REBOOT):
        meaning = EXITS.get(status, "QEMU failed" if status else "the kernel did not end "
                            "the replay (reset or triple fault?)")
        detail = stderr.decode(errors="replace").strip() or last_console_line(console)
        raise ReplayError("QEMU exited with status %d: %s: %s" % (status, meaning, detail),
                          data["trace.bin"], console)
    return Result(data["trace.bin"], console, status, seconds)


def replay_file(path, settle=keysfile.SETTLE_TICKS, kernel=KERNEL, timeout=TIMEOUT,
                keymap=None):
    """Parse and replay the .keys file at `path`; raises KeysError or ReplayError."""
    return run_log(keysfile.entries(keysfile.load(path, keymap), settle), kernel, timeout)


# ---- comparing with golden files ----

def tick_of(line):
    parts = line.split()
    return int(parts[1]) if len(parts) > 2 and not line.startswith("#") and \
        parts[1].isdigit() else None


def first_divergence(expected, actual, golden_name, context=CONTEXT):
    """None if the line lists are equal; otherwise the first-divergence report: the event
    index and tick, the events before it (the same in both), then the divergent event and
    the few after it on each side."""
    at = 0
    while at < len(expected) and at < len(actual) and expected[at] == actual[at]:
        at += 1
    if at == len(expected) == len(actual):
        return None
    ticks = [tick_of(lines[at]) if at < len(lines) else None for lines in (expected, actual)]
    known = [t for t in ticks if t is not None]
    if not known:
        where = ""
    elif ticks[0] == ticks[1] or len(known) == 1:
        where = ", tick %d" % known[0]
    else:
        where = ", tick %d expected, %d actual" % tuple(ticks)
    out = ["trace differs from %s: first divergence at event %d (line %d%s)"
           % (golden_name, at, at + 1, where)]
    out.append("  before it, the same in both:")
    out += ["    " + line for line in expected[max(0, at - context):at]] or ["    (nothing)"]
    for label, lines in (("expected", expected), ("actual", actual)):
        out.append("  %s:" % label)
        shown = lines[at:at + context + 1]
        out += ["  > " + shown[0]] if shown else ["  > (end of trace)"]
        out += ["    " + line for line in shown[1:]]
        if shown and at + len(shown) == len(lines):
            out.append("    (end of trace)")
    out.append("  expected %d events, got %d" % (len(expected), len(actual)))
    return "\n".join(out)


def console_divergence(expected, actual, golden_name):
    """None if the transcripts are equal; otherwise where they first differ."""
    if expected == actual:
        return None
    a, b = expected.split(b"\n"), actual.split(b"\n")
    at = 0
    while at < len(a) and at < len(b) and a[at] == b[at]:
        at += 1
    show = lambda lines: repr(lines[at].decode("utf-8", "replace")) if at < len(lines) \
        else "(end of transcript)"
    return ("console differs from %s at line %d:\n  expected %s\n  actual   %s"
            % (golden_name, at + 1, show(a), show(b)))


def golden_console(console):
    """The part of a COM1 transcript kept in a golden .console: from the banner's line on."""
    at = console.find(CONSOLE_FROM)
    return console if at < 0 else console[console.rfind(b"\n", 0, at) + 1:]


def golden_paths(path):
    """The golden trace and console transcript of a case, from its .keys or .trace."""
    base = re.sub(r"\.(keys|trace)$", "", path)
    return base + ".trace", base + ".console"


def read_golden(path, binary=False):
    """The golden file at `path` (text, or bytes if `binary`), or None if it does not
    exist; ReplayError if it cannot be read or a golden trace is not UTF-8 text."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ReplayError("cannot read %s: %s" % (path, err))
    if binary:
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ReplayError("%s:%d: byte 0x%02x is not UTF-8 text: a golden trace is the text "
                          "tools/trace.py decode prints" % (rel(path), data.count(
                              b"\n", 0, err.start) + 1, data[err.start]))


def compare(result, trace_path, console_path):
    """The divergence reports (empty: identical) of `result` against the golden trace at
    `trace_path` and, if that file exists, the console transcript at `console_path`."""
    expected = read_golden(trace_path)
    if expected is None:
        raise ReplayError("%s does not exist (create it with --update)" % rel(trace_path))
    reports = [first_divergence(expected.splitlines(), result.lines, rel(trace_path))]
    console = read_golden(console_path, binary=True) if console_path else None
    if console is not None:
        reports.append(console_divergence(console, golden_console(result.console),
                                          rel(console_path)))
    return [r for r in reports if r]


def write_golden(result, trace_path, console_path):
    try:
        with open(trace_path, "w") as f:
            f.write(result.text())
        if console_path:
            with open(console_path, "wb") as f:
                f.write(golden_console(result.console))
    except OSError as err:
        raise ReplayError("cannot write the golden files: %s" % err)


def rel(path):
    path = os.path.abspath(path)
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def check_cases(cases, runs=1, jobs=None, update=False, kernel=KERNEL, settle=None,
                out=sys.stdout, timeout=TIMEOUT):
    """Replay every case `runs` times in parallel and compare each run with its golden
    files (or, with update, write them from one run). Returns the number of cases that
    failed; each gets its reports printed. A .keys file that cannot be read or parsed is
    bad input, not a failed case: KeysError, before anything runs."""
    settle = keysfile.SETTLE_TICKS if settle is None else settle
    keymap = keysfile.Keymap()
    logs = {case: keysfile.entries(keysfile.load(case, keymap), settle) for case in cases}
    failed = 0
    jobs = jobs or os.cpu_count() or 2
    work = [(case, n) for case in logs for n in range(1 if update else runs)]
    results = {case: [] for case in logs}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_log, logs[case], kernel, timeout): case
                   for case, _ in work}
        for future in concurrent.futures.as_completed(futures):
            try:
                results[futures[future]].append(future.result())
            except ReplayError as err:
                results[futures[future]].append(err)
    for case in logs:
        trace_path, console_path = golden_paths(case)
        errors = [r for r in results[case] if isinstance(r, ReplayError)]
        done = [r for r in results[case] if not isinstance(r, ReplayError)]
        reports = ["replay failed: %s" % e for e in errors[:1]]
        try:
            if update and done:
                write_golden(done[0], trace_path, console_path)
            for result in done:
                reports += compare(result, trace_path, console_path)
                if reports:
                    break
        except ReplayError as err:
            reports.append(str(err))
        seconds = [r.seconds for r in done] or [0]
        if reports:
            failed += 1
            out.write("FAIL %s\n%s\n" % (rel(case), "\n".join(
                "  " + line for r in reports for line in r.split("\n"))))
        else:
            out.write("%s %s: %d run%s, %d events, %.2f s each (max %.2f s)\n"
                      % ("updated" if update else "ok", rel(case), len(done),
                         "s" if len(done) > 1 else "", len(done[0].lines),
                         sum(seconds) / len(seconds), max(seconds)))
    return failed


# ---- recording: a record-mode trace -> a recorded .keys file ----

RECORDED_HEADER = """\
# Recorded by `make record` (tools/replay.py) from a live session in record mode.
# =B: at boundary B, the number of poll_end and idle events since boot (docs/replay.md);
# "in-program": during the poll after it, while a user program ran in ring 3.
"""


NOT_RECORD_MODE = ("the capture's stream header gives run mode %s, not record: only a "
                   "capture of boot option `record` (make record, tools/live.py) converts; "
                   "`make trace` and `make run` capture in normal mode")


def live_events(data):
    """The complete events of a live capture, as Records. Its header frame must say
    record mode: only there is every input taken at a boundary it can be replayed at.
    The capture may end inside a record (QEMU was stopped); any other damage or a drop
    is an error, since every input's boundary must be counted exactly."""
    records = []
    for item in decode(data, headers=True) if data else ():   # empty: said below
        if isinstance(item, tracetool.Header):
            try:
                mode = item.mode_name              # read from trace/trace.h
            except tracetool.TraceError as err:
                raise ReplayError(str(err))
            if mode != "record":                   # a second header is a restart: below
                raise ReplayError(NOT_RECORD_MODE % mode)
            continue
        if isinstance(item, tracetool.Note):
            if item.kind == "truncated" and item.offset > 0:
                break                              # QEMU stopped mid-record: the end
            raise ReplayError("the live trace is damaged: %s" % item.text())
        if item.name == "drop":
            raise ReplayError("the live trace lost %d events before event %d (tick %d): "
                              "inputs cannot be placed exactly"
                              % (item.values["count"][1], item.seq, item.tick))
        records.append(item)
    if not records:
        raise ReplayError("the live trace is empty (did the kernel boot?)")
    return records


BROKE_RECORD_MODE = "the kernel broke record mode (a bug), so the capture cannot be converted"


def recorded_keys(records, keymap):
    """The .keys text that replays the inputs of a record-mode trace (live_events checks
    the mode its header gives) at their boundaries: every irq_enter on vector 32 (a tick)
    or 33 (a scancode).

    An interrupt record mode never takes is refused, as a kernel that broke record mode,
    rather than written where the replay would refuse it or replay something else:
    before the first boundary (record mode keeps interrupts off until then), or a second
    one inside one poll (an interrupt ends a program's ring-3 run, and kernel code runs
    with interrupts off)."""
    lines, boundary, ticks, prefix, in_poll = [RECORDED_HEADER], 0, 0, [], False
    by_code = {key.code: key for key in keymap.keys.values()}
    poll_inputs = 0                                # irq_enter since the poll_begin
    for r in records:
        if r.name == "resume":
            raise ReplayError("event %d (tick %d): tracing was switched off during the "
                              "recording (`trace off`), so the inputs meanwhile are not in "
                              "the trace and the session cannot be rebuilt; record it with "
                              "tracing on throughout" % (r.seq, r.tick))
        if r.name in ("poll_end", "idle"):
            boundary += 1
        if r.name in ("poll_begin", "poll_end"):
            in_poll, poll_inputs = r.name == "poll_begin", 0
        if r.name != "irq_enter":
            continue
        vector, data = r.values["vector"][1], r.values["data"][1]
        # Record mode takes interrupts inside a poll only in ring 3 (docs/syscalls.md).
        where = "=%d%s" % (boundary, " " + keysfile.IN_PROGRAM_WORD if in_poll else "")
        if vector == keysfile.VECTOR_TIMER:
            ticks += 1
            if data != ticks & 0xffff:
                raise ReplayError("event %d (tick %d): timer interrupt for tick %d where "
                                  "tick %d was due" % (r.seq, r.tick, data, ticks))
            line = "%s tick %d\n" % (where, ticks)
        elif vector == keysfile.VECTOR_KEYBOARD:
            note, prefix = scancode_note(prefix, data, by_code)
            line = "%s raw %02x%s\n" % (where, data, "   # " + note if note else "")
        else:
            raise ReplayError("event %d (tick %d): an interrupt on vector %d, which replay "
                              "cannot reproduce (only 32 and 33 are logged)"
                              % (r.seq, r.tick, vector))
        if in_poll and poll_inputs:
            raise ReplayError("event %d (tick %d): a second interrupt inside one poll, where "
                              "record mode takes only the one that ends a user program's "
                              "run: %s" % (r.seq, r.tick, BROKE_RECORD_MODE))
        if not in_poll and boundary == 0:
            raise ReplayError("event %d (tick %d): an interrupt before the first boundary, "
                              "where record mode keeps interrupts off: %s"
                              % (r.seq, r.tick, BROKE_RECORD_MODE))
        poll_inputs += in_poll
        lines.append(line)
    return "".join(lines)


def scancode_note(prefix, byte, by_code):
    """A comment naming the key a scancode completes ("Up down"), and the new prefix."""
    if prefix[:1] == [0xe1]:
        return ("Pause" if len(prefix) == 5 else ""), ([] if len(prefix) == 5 else prefix + [byte])
    if byte in (0xe0, 0xe1):
        return "", [byte]
    key = by_code.get((0x100 if prefix else 0) | byte & 0x7f)
    return ("%s %s" % (key.name, "up" if byte & 0x80 else "down") if key else ""), []


def finish_recording(data, keys_path, kernel=KERNEL, timeout=TIMEOUT, keymap=None):
    """Turn a live capture into a golden case: write `keys_path`, replay it, compare the
    replayed trace with the live one event by event up to the last complete live event.
    Returns (live records, replay Result, report): report is None when identical (and
    then the golden trace and console transcript are written too)."""
    keymap = keymap or keysfile.Keymap()
    records = live_events(data)
    text = recorded_keys(records, keymap)
    try:
        with open(keys_path, "w") as f:
            f.write(text)
    except OSError as err:
        raise ReplayError("cannot write %s: %s" % (keys_path, err))
    result = run_log(keysfile.entries(keysfile.parse(text, keys_path, keymap)), kernel,
                     timeout)
    live = [r.text() for r in records]
    report = first_divergence(live, result.lines[:len(live)], "the live trace")
    if report is None:
        write_golden(result, *golden_paths(keys_path))
    return records, result, report


def record(name, directory, kernel, force):
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", name):
        raise ReplayError("NAME must be letters, digits, '-' and '_' (got %r)" % name)
    keys_path = os.path.join(directory, name + ".keys")
    if os.path.exists(keys_path) and not force:
        raise ReplayError("%s exists: choose another NAME or remove it" % rel(keys_path))
    if not os.path.exists(kernel):
        raise ReplayError("%s does not exist (run `make` first)" % kernel)
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise ReplayError("recording needs a terminal (QEMU draws the VGA console in it)")
    live_path = os.path.join(BUILD, "record-%s.bin" % name)
    argv = qemu.command(kernel, display="curses", cmdline="record", trace_out=live_path,
                        console_log=os.path.join(BUILD, "record-%s.console" % name))
    print("Recording %s: type into the VGA console; to finish, press Esc 2 (QEMU monitor) "
          "and type `quit`." % rel(keys_path), file=sys.stderr)
    time.sleep(1)
    started = time.perf_counter()
    try:
        subprocess.call(argv)
    except OSError as err:
        raise ReplayError("cannot run %s: %s" % (argv[0], err))
    live_seconds = time.perf_counter() - started
    try:
        with open(live_path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise ReplayError("no live trace: %s (did QEMU start?)" % err)
    records, result, report = finish_recording(data, keys_path, kernel)
    inputs = sum(1 for r in records if r.name == "irq_enter")
    print("record: %d live events, %d inputs (%.1f s live) -> %s; replayed in %.2f s"
          % (len(records), inputs, live_seconds, rel(keys_path), result.seconds))
    if report:
        print("record: the replay does not reproduce the live session:\n" + report)
        return 1
    print("record: the replayed trace equals the live trace; golden files %s written"
          % ", ".join(rel(p) for p in golden_paths(keys_path)))
    return 0


# ---- command line ----

def replay_main(argv):
    parser = argparse.ArgumentParser(prog="replay.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("keys", metavar="CASE.keys", help="the input to replay")
    parser.add_argument("--out", help="write the decoded trace here (default: stdout)")
    parser.add_argument("--console", help="write the COM1 transcript here")
    parser.add_argument("--expect", metavar="CASE.trace",
                        help="compare with this golden trace (and CASE.console if present)")
    parser.add_argument("--update", action="store_true",
                        help="rewrite the golden trace and console transcript")
    common_options(parser)
    args = parser.parse_args(argv)
    check_common_options(parser, args)
    try:
        result = replay_file(args.keys, args.settle, args.kernel, args.timeout)
    except ReplayError as err:
        keep_partial(err, args.out, args.console)
        raise
    if result.status in (EXIT_PANIC, EXIT_REBOOT):
        print("replay: note: %s (exit status %d); the trace ends there"
              % (EXITS[result.status], result.status), file=sys.stderr)
    try:
        if args.out:
            with open(args.out, "w") as f:
                f.write(result.text())
        elif not args.expect and not args.update:
            sys.stdout.write(result.text())
        if args.console:
            with open(args.console, "wb") as f:
                f.write(result.console)
    except OSError as err:
        raise ReplayError("cannot write the output: %s" % err)
    trace_path, console_path = golden_paths(args.expect or args.keys)
    if args.expect:
        trace_path = args.expect
    if args.update:
        write_golden(result, trace_path, console_path)
        print("replay: wrote %s%s (%d events, %.2f s)" % (
            rel(trace_path), " and " + rel(console_path) if console_path else "",
            len(result.lines), result.seconds), file=sys.stderr)
        return 0
    if args.expect:
        reports = compare(result, trace_path, console_path)
        for report in reports:
            print(report)
        return 1 if reports else 0
    return 0


def keep_partial(err, out, console):
    """After a failed replay, still write what was captured: the trace up to the hang or
    the divergence, and the console, where the user asked for them."""
    try:
        if out and err.trace:
            with open(out, "w") as f:
                f.write("".join(item.text() + "\n" for item in decode(err.trace)))
        if console and err.console:
            with open(console, "wb") as f:
                f.write(err.console)
    except (OSError, ReplayError):
        pass


def common_options(parser):
    parser.add_argument("--kernel", default=KERNEL, help="the kernel ELF (default %(default)s)")
    parser.add_argument("--settle", type=int, default=keysfile.SETTLE_TICKS,
                        help="ticks replayed after a timed file's last line (default "
                             "%(default)s)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT,
                        help="seconds before QEMU counts as hung (default %(default)s)")


def check_common_options(parser, args):
    """--settle and --timeout within bounds (a huge settle would build a log of that many
    ticks; nan, inf or a huge timeout fail inside subprocess), else a usage error."""
    if not 0 <= args.settle <= keysfile.MAX_TICK:
        parser.error("--settle must be 0 to %d ticks (one hour at 100 Hz), not %d"
                     % (keysfile.MAX_TICK, args.settle))
    qemu.check_seconds(parser, "--timeout", args.timeout)


def sub_main(argv):
    parser = argparse.ArgumentParser(prog="replay.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="replay golden cases and compare (make golden)")
    p.add_argument("cases", nargs="*", metavar="CASE.keys")
    p.add_argument("--runs", type=int, default=1, help="replays per case (default 1)")
    p.add_argument("--jobs", type=int, default=None, help="parallel replays (default: cores)")
    p.add_argument("--update", action="store_true", help="rewrite the golden files")
    common_options(p)
    check_parser = p
    p = sub.add_parser("record", help="record a live session as a golden case")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--dir", default=GOLDEN, help="where to write NAME.keys (default "
                   "tests/golden)")
    p.add_argument("--force", action="store_true", help="overwrite an existing NAME.keys")
    p.add_argument("--kernel", default=KERNEL)
    p = sub.add_parser("convert", help="a record-mode trace capture -> recorded .keys")
    p.add_argument("capture", metavar="LIVE.bin")
    p.add_argument("--out", help="write the .keys here (default: stdout)")
    args = parser.parse_args(argv)

    if args.command == "check":
        if args.runs < 1 or (args.jobs is not None and args.jobs < 1):
            parser.error("--runs and --jobs must be at least 1")
        check_common_options(check_parser, args)
        cases = args.cases or sorted(glob.glob(os.path.join(GOLDEN, "*.keys")))
        if not cases:
            raise ReplayError("no golden cases in %s" % rel(GOLDEN))
        start = time.perf_counter()
        failed = check_cases(cases, args.runs, args.jobs, args.update, args.kernel,
                             args.settle, timeout=args.timeout)
        print("golden: %d of %d cases %s, %d run%s each, %.1f s" % (
            len(cases) - failed, len(cases), "updated" if args.update else "match",
            1 if args.update else args.runs, "" if args.runs == 1 or args.update else "s",
            time.perf_counter() - start))
        return 1 if failed else 0
    if args.command == "record":
        return record(args.name, args.dir, args.kernel, args.force)
    try:
        with open(args.capture, "rb") as f:
            data = f.read()
    except OSError as err:
        raise ReplayError("cannot read %s: %s" % (args.capture, err))
    text = recorded_keys(live_events(data), keysfile.Keymap())
    if args.out:
        try:
            with open(args.out, "w") as f:
                f.write(text)
        except OSError as err:
            raise ReplayError("cannot write %s: %s" % (args.out, err))
    else:
        sys.stdout.write(text)
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv and argv[0] in ("check", "record", "convert"):
            return sub_main(argv)
        return replay_main(argv)
    except (ReplayError, keysfile.KeysError) as err:
        print("replay: error: %s" % err, file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("replay: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
