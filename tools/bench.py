#!/usr/bin/python3
"""make bench: measure Lockstep and print a table; write docs/benchmarks.md.

Each section is a function registered with @section; it returns rows of
(measure, value, unit, how it was measured). Instruction counts come from callgrind
(valgrind --tool=callgrind), which counts instructions, not seconds, so they repeat
exactly for the same binary and input; times are medians of several runs with min and max.
Host C benchmark programs live in tools/bench/ and are built by `make bench`.
"""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
SECTIONS = []


def section(title):
    def register(fn):
        SECTIONS.append((title, fn))
        return fn
    return register


def bench_binary(name):
    path = os.path.join(BUILD, "bench", name)
    if not os.path.exists(path):
        raise SystemExit("bench: %s is missing: run `make bench`" % path)
    return path


def callgrind(argv, toggle=None):
    """Instructions executed by `argv` (only inside function `toggle`, if given)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
        if toggle:
            cmd += ["--collect-atstart=no", "--toggle-collect=" + toggle]
        result = subprocess.run(cmd + list(argv), capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit("bench: callgrind failed on %s:\n%s" % (argv, result.stderr))
        with open(out) as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
    raise SystemExit("bench: no instruction total in callgrind output for %s" % argv)


def timed(fn, runs=5):
    """(median, min, max) wall seconds of `fn()` over `runs` runs."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples), max(samples)


def program_output(argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def kbench(name, trace_out=None, gdb_port=None):
    """Run the test kernel's benchmark `name` (tools/bench/kbench_*.c); its key=values."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import qemu
    argv = qemu.command(os.path.join(BUILD, "ktest.elf"), cmdline="kbench=" + name,
                        trace_out=trace_out, gdb_port=gdb_port)
    result = subprocess.run(argv, capture_output=True, timeout=300)
    console = result.stdout.decode(errors="replace")
    match = re.search(r"^kbench: %s (.*)$" % name, console, re.M)
    if result.returncode != qemu.EXIT_PASS or not match:
        raise SystemExit("bench: kbench=%s failed:\n%s" % (name, console[-2000:]))
    return {k: int(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


def decode_file(path):
    """(events, stream notes, dropped) of a trace capture, via tools/trace.py."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import trace as tracetool
    with open(path, "rb") as f:
        data = f.read()
    events = notes = dropped = 0
    for item in tracetool.decode(data, tracetool.EventTable()):
        if isinstance(item, tracetool.Record):
            events += 1
            if item.name == "drop":
                dropped += item.values["count"][1]
        else:
            notes += 1
    return events, notes, dropped, len(data)


@section("Trace ring")
def bench_trace():
    rows = []
    emit = bench_binary("trace_emit")
    n = 200000
    for kind, payload in (("mark", "4-byte payload: irq, wake, poll events"),
                          ("idle", "no payload"), ("exception", "20-byte payload")):
        count = callgrind([emit, str(n), kind], toggle="emit_" + kind)
        rows.append(("emit %s (%s)" % (kind, payload), "%.1f" % (count / n),
                     "instructions", "callgrind, host build of trace/ring.h, %d emits, "
                     "call and return included" % n))
    with tempfile.TemporaryDirectory() as tmp:
        idle = os.path.join(tmp, "idle.bin")
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import trace as tracetool
        tracetool.capture(3.0, os.path.join(BUILD, "lockstep.elf"), idle)
        events, notes, dropped, size = decode_file(idle)
        rows.append(("bytes per event, idle kernel (timer IRQs, idle)", "%.2f" % (size / events),
                     "bytes", "make trace for 3 s: %d events, %d bytes, frames included"
                     % (events, size)))
        stream = os.path.join(tmp, "stream.bin")
        streams, raws = [], []
        for _ in range(3):                  # alternated, so that both see the same host
            got = kbench("trace_stream", trace_out=stream)
            events, notes, dropped, size = decode_file(stream)
            if got["dropped"] or dropped or notes:
                raise SystemExit("bench: trace_stream dropped events or damaged the stream")
            streams.append((got, events, size))
            raws.append(kbench("serial_raw", trace_out=os.path.join(tmp, "raw.bin")))
        rate = lambda got, key: got[key] / (got["ticks"] / got["hz"])
        shares = sorted(100.0 * rate(got, "bytes") / rate(raw, "bytes")
                        for (got, _, _), raw in zip(streams, raws))
        got, events, size = sorted(streams, key=lambda s: rate(s[0], "records"))[1]
        raw = sorted(raws, key=lambda r: rate(r, "bytes"))[1]
        rows.append(("sustained events/s streamed, zero drops", "%d" % rate(got, "records"),
                     "events/s", "kbench=trace_stream, median of 3: %d records, %d bytes in "
                     "%.2f s of PIT time, decoded back with 0 drops"
                     % (got["records"], got["bytes"], got["ticks"] / got["hz"])))
        rows.append(("bytes per event, that stream", "%.2f" % (size / events), "bytes",
                     "marks (8-byte records) plus header and sync frames"))
        rows.append(("COM2 raw throughput, same run", "%d" % rate(raw, "bytes"), "bytes/s",
                     "kbench=serial_raw: polled 16550 writes to a file chardev; median of 3, "
                     "one after each stream run"))
        rows.append(("trace stream as a share of raw COM2", "%.0f" % shares[1], "%",
                     "each stream run's bytes/s over the raw run's after it, median of 3 "
                     "(%s)" % ", ".join("%.0f" % x for x in shares)))
    return rows


@section("Executor")
def bench_executor():
    n = 200000
    traced = callgrind([bench_binary("executor_cycle"), str(n), "on"], toggle="cycle") / n
    untraced = callgrind([bench_binary("executor_cycle_untraced"), str(n), "on"],
                         toggle="cycle") / n
    off = callgrind([bench_binary("executor_cycle"), str(n), "off"], toggle="cycle") / n
    how = ("callgrind, host build of kernel/async/executor.c, %d cycles of task_wake + "
           "executor_poll_one through cycle(); the task's poll returns at once" % n)
    return [
        ("wake-then-poll, executor only (TRACE compiled out)", "%.1f" % untraced,
         "instructions", how),
        ("target: executor only <= 60 instructions", "met" if untraced <= 60 else "NOT met",
         "-", "issue 5's budget for the executor's own work per wake+poll"),
        ("wake-then-poll as the kernel runs it (wake, poll_begin, poll_end traced)",
         "%.1f" % traced, "instructions", how),
        ("wake-then-poll with tracing switched off at run time", "%.1f" % off,
         "instructions", how + "; off closes the ring's gate, so each record becomes an "
         "out-of-line call that returns at once: no cheaper than recording"),
    ]


def boot_to_prompt(image, boot):
    """Seconds from starting QEMU to the shell's prompt on COM1 (polled every 2 ms)."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import live
    import qemu
    prompt = live.PROMPT.encode()
    with tempfile.TemporaryDirectory() as tmp:
        console = os.path.join(tmp, "console.log")
        start = time.perf_counter()
        process = subprocess.Popen(qemu.command(image, boot=boot, console_log=console),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            while time.perf_counter() - start < 60:
                if os.path.exists(console):
                    with open(console, "rb") as f:
                        if prompt in f.read():
                            return time.perf_counter() - start
                if process.poll() is not None:
                    break
                time.sleep(0.002)
        finally:
            process.kill()
            process.wait()
    raise SystemExit("bench: %s never showed the prompt" % image)


def qemu_floor(image):
    """Seconds from starting QEMU to its exit, the guest exiting at its first instruction."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import qemu
    start = time.perf_counter()
    status = subprocess.run(qemu.command(image), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if status != qemu.EXIT_PASS:
        raise SystemExit("bench: the floor image exited with status %d" % status)
    return time.perf_counter() - start


@section("Boot")
def bench_boot():
    """Wall time from QEMU start to the shell prompt, both boot paths, against QEMU
    starting and exiting with no guest work (the floor), same flags, same run."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import live
    runs = 7
    floor = timed(lambda: qemu_floor(os.path.join(BUILD, "bench", "floor.elf")), runs)
    kernel = [boot_to_prompt(os.path.join(BUILD, "lockstep.elf"), "kernel") for _ in range(runs)]
    iso = [boot_to_prompt(os.path.join(BUILD, "lockstep.iso"), "iso") for _ in range(runs)]

    def row(name, seconds, how):
        return (name, "%.3f" % statistics.median(seconds), "s", "median of %d, min %.3f, "
                "max %.3f; %s" % (len(seconds), min(seconds), max(seconds), how))
    return [
        ("QEMU start to exit, no guest work (floor)", "%.3f" % floor[0], "s",
         "median of %d, min %.3f, max %.3f; tools/bench/floor.S: a multiboot image whose "
         "first instruction exits through isa-debug-exit" % (runs, floor[1], floor[2])),
        row("QEMU -kernel (multiboot v1) to the prompt", kernel,
            "tools/qemu.py flags, COM1 to a file polled every 2 ms for %r" % live.PROMPT),
        row("GRUB ISO (multiboot2) to the prompt", iso, "the same, booting build/lockstep.iso"),
        ("-kernel boot above the floor", "%.3f" % (statistics.median(kernel) - floor[0]), "s",
         "medians subtracted: the kernel's own boot plus QEMU's loading of it"),
        ("GRUB boot above the floor", "%.3f" % (statistics.median(iso) - floor[0]), "s",
         "medians subtracted: BIOS, GRUB and the kernel"),
    ]


@section("Replay")
def bench_replay():
    """Wall time of each golden replay (QEMU start to exit, one at a time), and a recorded
    live session with idle time: its live duration against its replay's."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import glob
    import keys as keysfile
    import live
    import replay
    kernel = os.path.join(BUILD, "lockstep.elf")
    keymap = keysfile.Keymap()
    rows, runs = [], 5
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "*.keys"))):
        log = keysfile.entries(keysfile.load(path, keymap))
        seconds = [replay.run_log(log, kernel).seconds for _ in range(runs)]
        events = len(replay.run_log(log, kernel).lines)
        rows.append(("replay %s" % os.path.basename(path), "%.3f" % statistics.median(seconds),
                     "s", "median of %d, min %.3f, max %.3f; %d events, %d log entries"
                     % (runs, min(seconds), max(seconds), events, len(log))))
    lines = ["help", "trace tail 200", "uptime"]
    with tempfile.TemporaryDirectory() as tmp:
        with live.LiveSession(kernel) as session:
            session.wait_for()
            for line in lines:                     # type a line, then 3 s of idle
                session.play(live.typing_script([line], len(line), keymap, pause=(3, 3)))
            data, live_seconds = session.stop()
        records, result, report = replay.finish_recording(
            data, os.path.join(tmp, "session.keys"), kernel)
        if report:
            raise SystemExit("bench: the recorded session does not replay:\n" + report)
        log = keysfile.entries(keysfile.load(os.path.join(tmp, "session.keys"), keymap))
    median, low, high = timed(lambda: replay.run_log(log, kernel), runs)
    ticks = records[-1].tick
    how = ("tools/live.py: %s typed through QMP, 3 s idle after each; %d ticks, %d inputs"
           % (", ".join(lines), ticks, len(log)))
    rows += [
        ("recorded session, live", "%.2f" % live_seconds, "s", how),
        ("recorded session, replayed", "%.3f" % median, "s",
         "median of %d, min %.3f, max %.3f; QEMU start to exit" % (runs, low, high)),
        ("replay speed-up over live", "%.0f" % (live_seconds / median), "x",
         "live seconds / replay seconds; target >= 20 (rr 0.7-1.6x, QEMU record/replay ~1x)"),
    ]
    return rows


GDB_TIMING = """
python
import time
gdb.execute("break shell_start", to_string=True)
gdb.execute("continue", to_string=True)
gdb.execute("delete", to_string=True)
start = time.perf_counter()
for _ in range(%(steps)d):
    gdb.execute("stepi", to_string=True)
print("STEPI %%.6f" %% ((time.perf_counter() - start) / %(steps)d))
sent = lambda: int(gdb.parse_and_eval("stub.rsp.sent"))
before = sent()
start = time.perf_counter()
gdb.execute("dump binary memory %(dump)s 0xffff800000100000 0xffff800000200000")
print("DUMP %%.6f" %% (time.perf_counter() - start))
print("SENT %%d" %% (sent() - before))
gdb.execute("detach", to_string=True)
end
"""


def gdb_timing(stub, steps=200, gdbinit=True, tcp=False):
    """(seconds per stepi, seconds to dump 1 MiB, bytes our stub put on COM3 during the
    dump) through `stub` ("ours" or "qemu"), GDB set up by tools/gdbinit as make debug
    and make debug-qemu do (gdbinit=False: GDB's defaults), over a Unix socket (tcp=True:
    TCP on 127.0.0.1, as make debug-server listens). The byte count is the stub's own
    counter (struct rsp's `sent`), read by GDB before and after; under QEMU's gdbstub it
    stays 0."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    sys.path.insert(0, os.path.join(ROOT, "tests", "gdb"))
    import gdbtest
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "dump.bin")
        machine = gdbtest.Machine(stub, unix=not tcp)
        try:
            out = gdbtest.gdb_batch(machine.port, (GDB_TIMING % {"steps": steps, "dump": dump})
                                    .strip().splitlines(), timeout=600, gdbinit=gdbinit)
        finally:
            machine.close()
        step = re.search(r"STEPI ([0-9.]+)", out)
        dumped = re.search(r"DUMP ([0-9.]+)", out)
        sent = re.search(r"SENT ([0-9]+)", out)
        if not step or not dumped or not sent or os.path.getsize(dump) != 1 << 20:
            raise SystemExit("bench: the GDB timing run through %s failed:\n%s" % (stub, out))
        return float(step.group(1)), float(dumped.group(1)), int(sent.group(1))


def com3_raw_rate():
    """Bytes per second the kernel pushes through COM3 to a Unix-socket reader: the same
    link gdb_timing() uses for the stub, so the two rates compare like for like."""
    import socket
    import threading
    with tempfile.TemporaryDirectory(prefix="lockstep-com3-") as tmp:
        path = os.path.join(tmp, "com3.sock")
        received = [0]

        def reader():
            for _ in range(200):
                try:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(path)
                    break
                except OSError:
                    s.close()
                    time.sleep(0.02)
            else:
                return
            with s:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        return
                    received[0] += len(chunk)

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        got = kbench("serial_raw_com3", gdb_port=path)
        thread.join(timeout=10)
        if received[0] < got["bytes"]:
            raise SystemExit("bench: the COM3 reader got %d of %d bytes (connected late?)"
                             % (received[0], got["bytes"]))
        return got["bytes"] / (got["ticks"] / got["hz"])


@section("GDB stub")
def bench_gdb():
    ours, qemu_stub, raw_rates = [], [], []
    for _ in range(5):                      # alternated, so that all three see the same host
        ours.append(gdb_timing("ours"))
        qemu_stub.append(gdb_timing("qemu"))
        raw_rates.append(com3_raw_rate())
    plain = [(gdb_timing("ours", gdbinit=False)[0], gdb_timing("qemu", gdbinit=False)[0])
             for _ in range(3)]
    tcp = [(gdb_timing("ours", tcp=True)[0], gdb_timing("qemu", tcp=True)[0])
           for _ in range(3)]

    def median(values):
        return statistics.median(values)

    ours_step, qemu_step = median([r[0] for r in ours]), median([r[0] for r in qemu_stub])
    ours_dump, qemu_dump = median([r[1] for r in ours]), median([r[1] for r in qemu_stub])
    payload = (1 << 20) / ours_dump
    wire = median([sent / dumped for _, dumped, sent in ours])
    raw_rate = median(raw_rates)
    # Each dump against the raw rate measured next to it: the host's speed drifts by a
    # third within a run, and a ratio of medians taken minutes apart would show it.
    shares = sorted(100 * sent / dumped / raw for (_, dumped, sent), raw in zip(ours, raw_rates))
    wire_bytes = median([sent for _, _, sent in ours])
    how = ("GDB 13 batch with tools/gdbinit over a Unix socket (both stubs), break at "
           "shell_start, then 200 steps timed in GDB's Python; median of 5 boots, "
           "alternating the stubs")
    pairs = sorted(o[0] / q[0] for o, q in zip(ours, qemu_stub))
    plain_ratio = median([o for o, _ in plain]) / median([q for _, q in plain])
    tcp_ours, tcp_qemu = median([o for o, _ in tcp]), median([q for _, q in tcp])
    return [
        ("stepi, Lockstep's stub", "%.2f" % (ours_step * 1000), "ms",
         how + " (min %.2f, max %.2f)" % (min(r[0] for r in ours) * 1000,
                                          max(r[0] for r in ours) * 1000)),
        ("stepi, QEMU's gdbstub", "%.2f" % (qemu_step * 1000), "ms",
         how + " (min %.2f, max %.2f)" % (min(r[0] for r in qemu_stub) * 1000,
                                          max(r[0] for r in qemu_stub) * 1000)),
        ("stepi ratio (ours / QEMU's)", "%.2f" % (ours_step / qemu_step), "x",
         "target: within 2x; boot by boot %s" % ", ".join("%.2f" % p for p in pairs)),
        ("stepi ratio, GDB's defaults", "%.2f" % plain_ratio, "x",
         "the same without tools/gdbinit (64-byte stack reads), median of 3 boots each"),
        ("stepi over TCP, Lockstep's stub", "%.2f" % (tcp_ours * 1000), "ms",
         "as above, but over TCP on 127.0.0.1 as make debug-server listens (one 1-byte "
         "segment per byte the stub sends); median of 3 boots"),
        ("stepi over TCP, QEMU's gdbstub", "%.2f" % (tcp_qemu * 1000), "ms",
         "the same through QEMU's -gdb tcp"),
        ("stepi ratio over TCP", "%.2f" % (tcp_ours / tcp_qemu), "x", "target: within 2x"),
        ("dump 1 MiB, Lockstep's stub", "%.2f" % ours_dump, "s",
         "dump binary memory of 1 MiB at PHYS_MAP_BASE + 1 MiB, hex 'm' packets"),
        ("dump 1 MiB, QEMU's gdbstub", "%.2f" % qemu_dump, "s", "the same over QEMU's socket"),
        ("COM3 payload rate of the dump", "%d" % payload, "bytes/s", "1 MiB / dump time"),
        ("COM3 bytes of the dump", "%d" % wire_bytes, "bytes",
         "counted by the stub (struct rsp's sent, read by GDB before and after): hex doubles "
         "each byte of memory, run-length encoding shrinks runs"),
        ("COM3 wire rate of the dump", "%d" % wire, "bytes/s", "COM3 bytes / dump time"),
        ("COM3 raw rate, same run", "%d" % raw_rate, "bytes/s",
         "kbench=serial_raw_com3: polled 16550 writes for 2 s, all read back over a Unix "
         "socket; median of 5, one after each pair of boots"),
        ("dump wire rate / raw channel", "%.0f" % statistics.median(shares), "%",
         "target: at least 80 %%; each dump over the raw rate measured after it, median of "
         "5 (%s)" % ", ".join("%.0f" % x for x in shares)),
    ]


def request_round_trips(stub, count=200):
    """({request: [seconds] * count}, whether packets were acked): the round trip of the
    requests a GDB `stepi` makes (with tools/gdbinit's 16-byte stack reads) but its
    closing qsThreadInfo, and of qC, sent by gdbtest.RspClient to `stub` ("ours" or
    "qemu") over a Unix socket, stopped at shell_start as gdb_timing() is. Each round of
    the four steps the CPU once, as a stepi does."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    sys.path.insert(0, os.path.join(ROOT, "tests", "gdb"))
    import gdbtest
    with open(os.path.join(BUILD, "lockstep.sym")) as f:
        found = re.search(r"^([0-9a-f]+) T shell_start$", f.read(), re.M)
    if not found:
        raise SystemExit("bench: no shell_start in %s" % os.path.join(BUILD, "lockstep.sym"))
    breakpoint = "%s,1" % found.group(1)
    machine = gdbtest.Machine(stub, unix=True)
    client = None
    try:
        deadline = time.time() + 60                 # ours: wait until the stub is set up
        while stub == "ours" and not (os.path.exists(machine.console) and
                                      "waiting for GDB" in machine.console_text()):
            if time.time() > deadline:
                raise SystemExit("bench: the kernel never waited for GDB")
            time.sleep(0.02)
        client = gdbtest.RspClient(machine.port)
        client.request("qSupported")
        client.acks = client.request("QStartNoAckMode") != "OK"     # QEMU 7.2's: ""
        if client.request("Z0," + breakpoint) != "OK":
            raise SystemExit("bench: %s's stub refused a breakpoint at shell_start" % stub)
        stop = client.request("vCont;c")
        if not stop.startswith("T05") or client.request("z0," + breakpoint) != "OK":
            raise SystemExit("bench: %s's stub did not stop at shell_start: %r" % (stub, stop))
        thread = client.expand(client.request("qC"))[2:]
        packets = {"qC": "qC", "m, 16 bytes": "m%x,10" % 0xffff800000100000,
                   "qfThreadInfo": "qfThreadInfo", "vCont;s (one step)": "vCont;s:%s;c" % thread}
        times = {name: [] for name in packets}
        for _ in range(count):
            for name, packet in packets.items():
                start = time.perf_counter()
                reply = client.request(packet)
                times[name].append(time.perf_counter() - start)
                if not reply or reply.startswith("E"):
                    raise SystemExit("bench: %s's stub answered %r with %r"
                                     % (stub, packet, reply))
        return times, client.acks
    except gdbtest.RspError as err:
        raise SystemExit("bench: %s's stub: %s" % (stub, err))
    finally:
        if client:
            client.close()
        machine.close()


@section("GDB requests, one at a time")
def bench_gdb_requests():
    boots = 3
    runs = {"Lockstep's stub": [], "QEMU's gdbstub": []}
    for _ in range(boots):                  # alternated, so that both see the same host
        runs["Lockstep's stub"].append(request_round_trips("ours"))
        runs["QEMU's gdbstub"].append(request_round_trips("qemu"))
    rows = []
    for request in runs["Lockstep's stub"][0][0]:
        for stub, boot_runs in runs.items():
            samples = [t for times, _ in boot_runs for t in times[request]]
            medians = [statistics.median(times[request]) * 1e6 for times, _ in boot_runs]
            acks = "acked" if boot_runs[0][1] else "no-ack mode"
            rows.append(("%s, %s" % (request, stub), "%.0f" % (statistics.median(samples) * 1e6),
                         "us", "round trip with no GDB: RspClient (tests/gdb/gdbtest.py), Unix "
                         "socket, %s, stopped at shell_start; median of %d boots x %d (boot by "
                         "boot %s)" % (acks, boots, len(samples) // boots,
                                       ", ".join("%.0f" % m for m in medians))))
    return rows


def markdown(results):
    lines = ["# Benchmarks", "",
             "Generated by `make bench` (tools/bench.py); do not edit. Reproduce with "
             "`make bench` on a 2-core Debian 12 machine under QEMU 7.2 TCG.", ""]
    for title, rows in results:
        lines += ["## " + title, "", "| measure | value | unit | how |", "| --- | --- | --- | --- |"]
        lines += ["| %s | %s | %s | %s |" % row for row in rows]
        lines.append("")
    return "\n".join(lines)


@section("Kernel heap against glibc malloc (host, one trace)")
def kernel_heap():
    """tools/bench/heap.c replays one kernel-like trace (200000 allocations of 16 B to
    64 KiB, LIFO and random frees) through the kernel heap (kernel/mm/heap_core.c, its
    provider running the real frame allocator and page-table code) and through glibc
    malloc; callgrind counts each workload function, minus the same loop with an
    allocator that does nothing."""
    binary = bench_binary("heap")
    try:
        lines = program_output([binary, "report"]).splitlines()
    except subprocess.CalledProcessError as err:
        raise SystemExit("bench: %s report failed:\n%s" % (binary, err.stderr))
    report = dict(line.split(None, 1) for line in lines if line.strip())
    try:
        pairs = int(report["pairs"])
        live = int(report["peak_live_bytes"])
        footprint = int(report["kernel_peak_footprint"])
        frag = float(report["kernel_fragmentation_percent"])
        glibc_frag = float(report["glibc_fragmentation_percent"])
        calls = int(report["kernel_provider_calls"])
        pages = int(report["kernel_provider_pages"])
    except (KeyError, ValueError):
        raise SystemExit("bench: unexpected output from %s report:\n%s"
                         % (binary, "\n".join(lines)))
    loop = callgrind([binary, "null"], toggle="workload_null")
    kernel = callgrind([binary, "kernel"], toggle="workload_kernel_heap")
    glibc = callgrind([binary, "glibc"], toggle="workload_glibc")
    per_kernel = (kernel - loop) / pairs
    per_glibc = (glibc - loop) / pairs
    return [
        ("kmalloc + kfree, per pair", "%.1f" % per_kernel, "instructions",
         "callgrind, %d pairs, driver loop subtracted; includes the provider's frame and "
         "page-table work; the kernel adds IRQ masking (6 per call)" % pairs),
        ("glibc malloc + free, per pair", "%.1f" % per_glibc, "instructions",
         "same trace, same driver, same run (%s)" % " ".join(platform.libc_ver())),
        ("driver loop alone, per pair", "%.1f" % (loop / pairs), "instructions",
         "the trace replayed through an allocator that does nothing"),
        ("target: fewer instructions than glibc",
         "met" if per_kernel < per_glibc else "MISSED", "-",
         "kernel heap at %.0f %% of glibc" % (100.0 * per_kernel / per_glibc)),
        ("kernel heap fragmentation", "%.1f" % frag, "%",
         "peak footprint %d KiB / peak live %d KiB - 1" % (footprint // 1024, live // 1024)),
        ("target: fragmentation <= 15 %", "met" if frag <= 15.0 else "MISSED", "-",
         "footprint = bytes the provider backs (slab pages + TLSF pages)"),
        ("glibc fragmentation, for reference", "%.1f" % glibc_frag, "%",
         "mallinfo2 arena + mmap'd bytes, peak, same peak live"),
        ("kernel heap page traffic", "%d" % pages, "pages",
         "backed or given back in %d provider calls (frames + PTEs)" % calls),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run only sections whose title contains this")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite " + DOC)
    args = parser.parse_args(argv)

    results = []
    for title, fn in SECTIONS:
        if args.only and args.only.lower() not in title.lower():
            continue
        rows = fn()
        results.append((title, rows))
        print("\n" + title)
        for measure, value, unit, how in rows:
            print("  %-48s %14s %-12s %s" % (measure, value, unit, how))
    if not results:
        parser.error("no section matches %r" % args.only)
    if not args.no_doc and not args.only:
        with open(DOC, "w") as f:
            f.write(markdown(results))
        print("\nwrote " + os.path.relpath(DOC, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
