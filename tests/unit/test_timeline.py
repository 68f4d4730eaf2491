"""The timeline tool (tools/timeline.py): its Chrome Trace Event JSON follows the format
(slices nest per track, flows pair up and bind to slices, counters are numbers) and holds
every record of the source; its SVG is well-formed XML with a lane per track; its report
finds planted lost wakes, self-wakes, long polls, drops and stream notes; bad input gets
a clear error. Synthetic traces are written in the decoded text form; real ones come from
tests/unit/trace_stream_gen and from a key press sent to the booted kernel."""
import collections
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import BUILD, ROOT
import qemu
import timeline
import trace as tracetool
from live import PROMPT

TOOL = os.path.join(ROOT, "tools", "timeline.py")
GEN = os.path.join(BUILD, "unit", "trace_stream_gen")
KERNEL = os.path.join(BUILD, "lockstep.elf")
SVG_NS = "{http://www.w3.org/2000/svg}"

BOOT = ["0 boot version=0x100 tick_hz=100",
        "0 task_spawn task=1 parent=0 name=keyboard",
        "0 task_spawn task=3 parent=0 name=console",
        "0 poll_begin task=1", "0 poll_end task=1 result=pending",
        "0 poll_begin task=3", "0 poll_end task=3 result=pending",
        "0 idle"]
# The key press of docs/executor.md: IRQ 1 wakes the keyboard task, which wakes the console.
KEY_PRESS = ["89 irq_enter vector=33 data=30", "89 wake task=1 waker=irq33",
             "89 irq_exit vector=33", "89 poll_begin task=1",
             "89 key key=30 pressed=1 ascii=97", "89 wake task=3 waker=task1",
             "89 poll_end task=1 result=pending", "89 poll_begin task=3",
             "89 poll_end task=3 result=pending", "89 idle"]


def numbered(lines):
    """Decoded text from 'TICK EVENT field=value...' lines; '#' lines stay notes."""
    out, seq = [], 0
    for line in lines:
        if line.startswith("#"):
            out.append(line)
            continue
        tick, rest = line.split(None, 1)
        out.append("%7d %9d %s" % (seq, int(tick), rest))
        seq += 1
    return "\n".join(out) + "\n"


@pytest.fixture
def build(tmp_path):
    """Timeline and Chrome JSON of synthetic lines (or of a file's path)."""
    def make(lines_or_path):
        path = lines_or_path
        if isinstance(lines_or_path, list):
            path = str(tmp_path / "synthetic.trace")
            with open(path, "w") as f:
                f.write(numbered(lines_or_path))
        tl = timeline.Timeline(timeline.read_trace(path, tracetool.EventTable()), path)
        doc = json.loads(json.dumps(timeline.chrome_trace(tl)))
        return tl, doc
    return make


def run(argv, capsys):
    rc = timeline.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def ns(us):
    return round(us * 1000)


def check_trace_event_format(doc):
    """Assert `doc` is a valid Trace Event format object; returns its events."""
    events = doc["traceEvents"]
    for e in events:
        assert e["ph"] in ("X", "i", "s", "f", "C", "M"), e
        assert isinstance(e["pid"], int) and isinstance(e["name"], str), e
        if e["ph"] == "M":
            assert e["name"] in ("process_name", "thread_name", "thread_sort_index"), e
            continue
        assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0, e
        if e["ph"] in ("X", "i", "s", "f"):
            assert isinstance(e["tid"], int), e
        if e["ph"] == "X":
            assert e["dur"] > 0, e
        if e["ph"] == "i":
            assert e["s"] in ("t", "p", "g"), e
        if e["ph"] == "C":
            assert e["args"] and all(isinstance(v, (int, float)) for v in e["args"].values())
    # Complete slices nest properly on every track.
    spans = collections.defaultdict(list)
    for e in events:
        if e["ph"] == "X":
            spans[e["tid"]].append((ns(e["ts"]), ns(e["ts"]) + ns(e["dur"]), e))
    for tid, track in spans.items():
        stack = []
        for begin, end, e in sorted(track, key=lambda s: (s[0], -s[1])):
            while stack and stack[-1][1] <= begin:
                stack.pop()
            assert not stack or end <= stack[-1][1], \
                "overlapping slices on track %d: %s and %s" % (tid, stack[-1][2], e)
            stack.append((begin, end, e))
    # Flows: one start and one finish per id, in time order, each inside a slice.
    flows = collections.defaultdict(dict)
    for e in events:
        if e["ph"] in ("s", "f"):
            key = (e["cat"], e["name"], e["id"])
            assert e["ph"] not in flows[key], "flow id used twice: %s" % (key,)
            flows[key][e["ph"]] = e
    for key, pair in flows.items():
        assert set(pair) == {"s", "f"}, "unpaired flow %s" % (key,)
        assert pair["s"]["ts"] <= pair["f"]["ts"]
        assert pair["f"].get("bp") == "e"
        for e in pair.values():
            assert any(b <= ns(e["ts"]) < end for b, end, _ in spans[e["tid"]]), \
                "flow point outside any slice: %s" % e
    return events


def covered(events):
    """Sequence numbers of the records the JSON events stand for."""
    seqs = set()
    for e in events:
        args = e.get("args", {})
        for key in ("seq", "end_seq"):
            if args.get(key) is not None:
                seqs.add(args[key])
    return seqs


def tracks(events):
    return {e["tid"]: e["args"]["name"] for e in events
            if e["ph"] == "M" and e["name"] == "thread_name"}


def by_track(events, name, ph=None):
    tid = next(t for t, n in tracks(events).items() if n == name)
    return [e for e in events if e.get("tid") == tid and (ph is None or e["ph"] == ph)]


# ---- the Chrome Trace Event JSON ----

def test_a_key_press_as_chrome_json(build):
    tl, doc = build(BOOT + KEY_PRESS)
    events = check_trace_event_format(doc)
    assert set(tracks(events).values()) == {"interrupts", "cpu / idle", "keyboard (task 1)",
                                           "console (task 3)"}
    irq, = by_track(events, "interrupts", "X")[:1]
    assert irq["name"] == "irq33 30" and irq["args"]["vector"] == 33
    polls = by_track(events, "keyboard (task 1)", "X")
    assert [p["name"] for p in polls if p["cat"].startswith("poll")] == ["poll pending"] * 2
    assert all(p["cname"] == "thread_state_iowait" for p in polls if p["cat"] == "poll_pending")
    flows = [e for e in events if e["ph"] in "sf"]
    tid = {n: t for t, n in tracks(events).items()}
    assert [(e["ph"], e["tid"]) for e in flows] == [
        ("s", tid["interrupts"]), ("f", tid["keyboard (task 1)"]),
        ("s", tid["keyboard (task 1)"]), ("f", tid["console (task 3)"])]
    # Ticks plus order: tick 89 starts at 890000 us and its ten records share it evenly.
    key_slices = [e for e in events if e["ph"] in "Xi" and e["args"].get("tick") == 89]
    assert min(e["ts"] for e in key_slices) == 890000
    assert all(890000 <= e["ts"] < 900000 for e in key_slices)


def test_every_record_is_in_the_json(build):
    lines = BOOT + KEY_PRESS + ["90 drop count=3 tick=90", "90 exception vector=14 error_code=0x2 "
                                "rip=0xffffffff80101234", "91 mark value=7"]
    tl, doc = build(lines)
    events = check_trace_event_format(doc)
    assert covered(events) == set(range(len(lines)))
    kinds = {e["cat"] for e in events if e["ph"] == "i"}
    assert {"drop", "exception", "spawn", "event"} <= kinds
    drop = next(e for e in events if e.get("cat") == "drop")
    assert drop["s"] == "g" and drop["args"]["count"] == 3


def test_a_real_stream_of_every_event_kind(build, tmp_path):
    path = str(tmp_path / "stream.bin")
    subprocess.run([GEN, "2000", path], check=True)
    tl, doc = build(path)
    events = check_trace_event_format(doc)
    records = [i for i in tracetool.decode(open(path, "rb").read(), tracetool.EventTable())]
    assert covered(events) == {r.seq for r in records}
    assert {r.name for r in records} == {e.name for e in tracetool.EventTable()}


def test_nested_interrupts_nest_on_the_interrupt_track(build):
    tl, doc = build(BOOT + ["1 irq_enter vector=32 data=2", "1 irq_enter vector=33 data=30",
                            "1 wake task=1 waker=irq33", "1 irq_exit vector=33",
                            "2 irq_exit vector=32", "2 poll_begin task=1",
                            "2 poll_end task=1 result=ready", "2 task_exit task=1 code=0"])
    events = check_trace_event_format(doc)
    irqs = [e for e in by_track(events, "interrupts", "X") if e["cat"] == "irq"]
    outer, inner = sorted(irqs, key=lambda e: e["ts"])
    assert outer["name"] == "irq32 2" and inner["name"] == "irq33 30"
    assert outer["ts"] < inner["ts"] and inner["ts"] + inner["dur"] <= outer["ts"] + outer["dur"]
    ready = [e for e in by_track(events, "keyboard (task 1)", "X") if e["cat"] == "poll_ready"]
    assert ready[0]["cname"] == "thread_state_running" and ready[0]["args"]["result"] == "ready"


def test_ready_queue_counts_tasks_woken_and_not_yet_polled(build):
    tl, doc = build(BOOT + ["1 irq_enter vector=32 data=2", "1 wake task=1 waker=irq32",
                            "1 wake task=3 waker=irq32", "1 wake task=1 waker=irq32",
                            "2 irq_exit vector=32", "2 poll_begin task=1",
                            "2 poll_end task=1 result=pending", "2 poll_begin task=3",
                            "2 poll_end task=3 result=pending", "2 idle"])
    events = check_trace_event_format(doc)
    counts = [e["args"]["tasks"] for e in events if e["ph"] == "C"]
    # spawned: 1, 2; polled: 1, 0; woken (the third wake coalesces): 1, 2; polled: 1, 0
    assert counts == [0, 1, 2, 1, 0, 1, 2, 1, 0]
    assert not [e for e in events if e["ph"] == "C" and e["name"] != "ready queue"], \
        "a heap counter without a heap event"


def test_heap_counter_appears_once_the_table_has_a_heap_event(tmp_path):
    table_path = tmp_path / "events.def"
    with open(tracetool.EVENTS_DEF) as f:
        table_path.write_text(f.read() + "TRACE_EVENT(200, heap_use, FIELD(u32, used))\n")
    table = tracetool.EventTable(str(table_path))
    items = timeline.parse_text(numbered(BOOT + ["1 heap_use used=4096", "2 heap_use used=8192"]),
                                table, "synthetic")
    doc = timeline.chrome_trace(timeline.Timeline(items))
    heap = [e["args"]["used"] for e in doc["traceEvents"] if e.get("name") == "heap used"]
    assert heap == [4096, 8192]


def test_idle_runs_to_the_next_record(build):
    tl, doc = build(BOOT + ["0 irq_enter vector=32 data=1", "1 irq_exit vector=32", "1 idle"])
    idle = [e for e in by_track(doc["traceEvents"], "cpu / idle", "X") if e["cat"] == "idle"]
    irq = by_track(doc["traceEvents"], "interrupts", "X")[0]
    assert idle[0]["ts"] + idle[0]["dur"] == irq["ts"]
    assert idle[-1]["ts"] + idle[-1]["dur"] == 20000          # the end of the last tick


def test_tasks_spawned_before_the_capture_are_numbered(build):
    tl, doc = build(["5 wake task=7 waker=kernel", "5 poll_begin task=7",
                     "5 poll_end task=7 result=pending", "5 idle"])
    names = set(tracks(check_trace_event_format(doc)).values())
    assert "task 7" in names
    assert tl.hz == 100 and doc["traceEvents"]


def test_the_same_trace_gives_the_same_json(tmp_path, capsys):
    path = tmp_path / "t.trace"
    path.write_text(numbered(BOOT + KEY_PRESS))
    outputs = []
    for n in range(2):
        out = tmp_path / ("%d.json" % n)
        assert run([path, "--json", out], capsys)[0] == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_stream_notes_are_gaps(build):
    tl, doc = build(BOOT + ["1 irq_enter vector=32 data=2", "1 wake task=1 waker=irq32",
                            "# corrupt at byte 400: unknown event id 153; skipping 40 bytes "
                            "to the next sync frame",
                            "# resync at byte 440: seq 30, tick 5: 20 events lost",
                            "5 poll_begin task=3", "5 poll_end task=3 result=pending", "5 idle"])
    events = check_trace_event_format(doc)
    irq = by_track(events, "interrupts", "X")[0]
    assert irq["args"]["unfinished"] == "stream corrupt"
    notes = [e for e in events if e.get("cat") == "note"]
    assert [n["args"]["note"] for n in notes] == ["corrupt", "resync"]
    assert [w["state"] for w in tl.wakes] == ["gap"]


# ---- the text form and the raw stream ----

def test_text_and_raw_stream_give_the_same_timeline(build, tmp_path):
    raw = str(tmp_path / "stream.bin")
    subprocess.run([GEN, "300", raw], check=True)
    text = str(tmp_path / "stream.txt")
    with open(text, "w") as out:
        tracetool.write_decoded(open(raw, "rb").read(), tracetool.EventTable(), out)
    _, from_raw = build(raw)
    _, from_text = build(text)
    strip = [e for e in from_raw["traceEvents"] if e["name"] != "process_name"]
    assert strip == [e for e in from_text["traceEvents"] if e["name"] != "process_name"]


# ---- the SVG ----

def svg_of(path, capsys, tmp_path, *window):
    out = tmp_path / "t.svg"
    rc, _, err = run([path, "--svg", out] + list(window), capsys)
    assert rc == 0, err
    text = out.read_text()
    return text, ElementTree.fromstring(text)


def lanes(root):
    """Lane label -> (top, bottom) from the lane rectangles."""
    found = {}
    for r in root.iter(SVG_NS + "rect"):
        if r.get("class") == "lane":
            y, h = float(r.get("y")), float(r.get("height"))
            found[r.find(SVG_NS + "title").text] = (y, y + h)
    return found


def arrows(root):
    """(x1, y1, x2, y2, title) of every wake arrow."""
    out = []
    for p in root.iter(SVG_NS + "path"):
        if p.get("class") == "wake":
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", p.get("d"))]
            out.append((numbers[0], numbers[1], numbers[-2], numbers[-1],
                        p.find(SVG_NS + "title").text))
    return out


def test_svg_is_self_contained_with_a_lane_per_track(tmp_path, capsys):
    path = tmp_path / "t.trace"
    path.write_text(numbered(BOOT + KEY_PRESS + ["90 wake task=9 waker=kernel"]))
    text, root = svg_of(path, capsys, tmp_path)
    assert root.tag == SVG_NS + "svg"
    assert set(lanes(root)) == {"interrupts", "cpu / idle", "keyboard (task 1)",
                                "console (task 3)", "task 9", "ready queue"}
    assert "<script" not in text and "@font-face" not in text and "href" not in text
    assert {e.get("font-family") for e in root.iter() if e.get("font-family")} == {"sans-serif"}
    assert root.find(SVG_NS + "defs/" + SVG_NS + "marker") is not None
    labels = [t.text for t in root.iter(SVG_NS + "text")]
    assert "interrupt" in labels and "idle" in labels and "wake -> poll" in labels
    assert {"0", "40", "80"} <= set(labels), "no tick labels on the time axis"
    bands = lanes(root)
    (x1, y1, x2, y2, title), _ = arrows(root)
    assert bands["interrupts"][0] < y1 < bands["interrupts"][1]
    assert bands["keyboard (task 1)"][0] < y2 < bands["keyboard (task 1)"][1]
    assert x2 > x1 and "by irq33" in title


def test_svg_window_by_ticks_and_by_events(tmp_path, capsys):
    lines = BOOT + ["%d irq_enter vector=32 data=%d" % (t, t + 1) for t in range(1, 80)]
    path = tmp_path / "t.trace"
    path.write_text(numbered(lines))
    text, root = svg_of(path, capsys, tmp_path, "--from", 10, "--to", 20)
    assert "ticks 10-20, 11 of 87 records" in text
    text, root = svg_of(path, capsys, tmp_path, "--from-event", 8, "--to-event", 9)
    assert "2 of 87 records (seq 8-9)" in text
    rc, _, err = run([path, "--svg", tmp_path / "x.svg", "--from", 500], capsys)
    assert rc == 2 and "window holds no records" in err


def test_svg_self_wake_and_lost_wake(tmp_path, capsys):
    path = tmp_path / "t.trace"
    path.write_text(numbered(BOOT + ["1 poll_begin task=1", "1 wake task=1 waker=task1",
                                     "1 poll_end task=1 result=pending", "1 poll_begin task=1",
                                     "1 poll_end task=1 result=pending",
                                     "1 wake task=3 waker=kernel", "1 idle",
                                     "2 irq_enter vector=32 data=3", "3 irq_exit vector=32"]))
    _, root = svg_of(path, capsys, tmp_path)
    loop, = arrows(root)
    assert "by task1" in loop[4] and loop[1] == loop[3]          # over its own lane
    lost = [p for p in root.iter(SVG_NS + "path") if p.get("class") == "lost-wake"]
    assert len(lost) == 1 and "console" in lost[0].find(SVG_NS + "title").text


def synthetic_run(events):
    """`events` records of a busy kernel: a timer tick wakes one task, which wakes another."""
    lines = ["0 boot version=0x100 tick_hz=100", "0 task_spawn task=1 parent=0 name=keyboard",
             "0 task_spawn task=2 parent=0 name=uptime"]
    tick = 0
    while len(lines) < events:
        lines += ["%d irq_enter vector=32 data=%d" % (tick, tick + 1),
                  "%d wake task=2 waker=irq32" % tick]
        tick += 1
        lines += ["%d %s" % (tick, e) for e in (
            "irq_exit vector=32", "poll_begin task=2", "wake task=1 waker=task2",
            "poll_end task=2 result=pending", "poll_begin task=1", "mark value=%d" % tick,
            "poll_end task=1 result=pending", "idle")]
    return numbered(lines[:events])


def test_100k_events_render_in_seconds_and_the_svg_stays_small(tmp_path, capsys):
    path = tmp_path / "big.trace"
    path.write_text(synthetic_run(100000))
    start = time.perf_counter()
    rc, out, err = run([path, "--json", tmp_path / "big.json", "--svg", tmp_path / "big.svg",
                        "--report"], capsys)
    seconds = time.perf_counter() - start
    print("timeline: 100000 events -> JSON, SVG and report in %.2f s" % seconds)
    assert rc == 0, err
    assert seconds < 30, "100k events took %.1f s" % seconds
    root = ElementTree.parse(str(tmp_path / "big.svg")).getroot()
    assert sum(1 for _ in root.iter()) < 40000, "the SVG did not merge or cap"
    assert "merged" in ElementTree.tostring(root, encoding="unicode")
    with open(tmp_path / "big.json") as f:
        assert covered(json.load(f)["traceEvents"]) == set(range(100000))


# ---- the report ----

def report(lines, tmp_path, capsys, *options):
    path = tmp_path / "t.trace"
    path.write_text(numbered(lines))
    rc, out, err = run([path, "--report"] + list(options), capsys)
    assert rc == 0 and not err, err
    return out


def test_report_finds_a_planted_lost_wake(tmp_path, capsys):
    out = report(BOOT + ["1 irq_enter vector=32 data=2", "1 wake task=3 waker=irq32",
                         "1 wake task=3 waker=irq32",                # coalesced: not counted
                         "2 irq_exit vector=32", "2 idle",
                         "2 task_exit task=1 code=0", "2 wake task=1 waker=kernel",   # dead
                         "3 wake task=1 waker=irq32"], tmp_path, capsys)
    assert re.search(r"lost wakes \(.*\): 1\n +seq 9 tick 1: console \(task 3\) woken by irq32",
                     out), out
    assert "0 wakes still queued" in out and "2 of exited tasks" in out


def test_a_wake_at_the_very_end_is_not_called_lost(tmp_path, capsys):
    out = report(BOOT + KEY_PRESS[:2], tmp_path, capsys)
    assert "lost wakes (woken, not already queued, never polled while the trace goes on): " \
        "none" in out
    assert "1 wake still queued when the trace stops" in out


def test_report_self_wakes_long_polls_drops_and_notes(tmp_path, capsys):
    timer = []
    for tick in range(1, 9):                 # the timer is traced every tick of the long poll
        timer += ["%d irq_enter vector=32 data=%d" % (tick, tick + 1),
                  "%d irq_exit vector=32" % (tick + 1)]
    lines = BOOT + ["1 poll_begin task=1", "1 wake task=1 waker=task1",
                    "1 poll_end task=1 result=pending", "1 poll_begin task=1"] + timer + \
        ["9 poll_end task=1 result=pending", "9 drop count=17 tick=9", "9 idle",
         "# corrupt at byte 900: unknown event id 153; skipping 40 bytes to the next sync "
         "frame", "12 idle"]
    out = report(lines, tmp_path, capsys)
    assert "keyboard (task 1): 1 of its 1 wakes (100%)" in out
    assert re.search(r"long polls .*: 1\n +seq 11 tick 1: keyboard \(task 1\) polled for 8 "
                     r"ticks", out), out
    assert "drops (17 events lost): 1\n    seq 29 tick 9: 17 events lost" in out
    assert "# corrupt at byte 900: unknown event id 153" in out
    assert re.search(r"untraced stretches .*: 1\n +ticks 9-12, before seq 31", out), out
    assert "ready queue: at most 2 tasks, first at seq 2 tick 0" in out
    assert "long polls (more than 8 ticks without yielding): none" in \
        report(lines, tmp_path, capsys, "--long-poll", 8)


def test_a_poll_across_untraced_time_is_not_a_long_poll(tmp_path, capsys):
    out = report(BOOT + ["1 poll_begin task=3", "60 poll_end task=3 result=pending",
                         "60 idle"], tmp_path, capsys)
    assert "long polls (more than 5 ticks without yielding): none" in out
    assert re.search(r"untraced stretches .*: 1\n +ticks 1-60, before seq 9", out), out


# ---- bad input ----

def tool(*argv):
    return subprocess.run([sys.executable, TOOL] + [str(a) for a in argv],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("content,message", [
    (None, "cannot read"),
    (b"", "is empty"),
    (bytes(range(256)) * 4, "neither a trace stream"),
    (b"hello world\n", "expected 'SEQ TICK EVENT field=value...'"),
    (b"      0         0 bogus x=1\n", "unknown event 'bogus'"),
    (b"      0         0 wake task=1 waker=irqZ\n", "waker='irqZ' is not a waker"),
    (b"      0         0 wake task=1\n", "wake lacks its field 'waker'"),
    (b"      0         0 idle extra=1\n", "'extra=1' is not a field of idle"),
    (b"# only a comment\n", "holds no events"),
    # Regression: '²' passed isdigit() and int() then raised ValueError (a traceback);
    # int() also took other scripts' digits ("٣" as 3) silently.
    ("\u00b2 0 idle\n".encode(), "input:1: expected 'SEQ TICK EVENT field=value...'"),
    ("      0         \u0663 idle\n".encode(), "input:1: expected 'SEQ TICK EVENT"),
    ("      0         0 irq_exit vector=\u0663\n".encode(), "input:1: vector='\u0663' is not"),
    ("      0         0 wake task=1 waker=irq\u0663\n".encode(), "waker='irq\u0663' is not"),
    # Regression: tick_hz above 10^9 made a tick 0 ns: every ts 0, an empty SVG window.
    (b"      0         0 boot version=0x100 tick_hz=2000000000\n      1         1 idle\n",
     "the boot record (seq 0) gives tick_hz=2000000000: a tick shorter than a nanosecond"),
])
def test_bad_input_gets_a_clear_error(tmp_path, content, message):
    path = tmp_path / "input"
    if content is not None:
        path.write_bytes(content)
    result = tool(path, "--json", tmp_path / "out.json")
    assert result.returncode == 2
    assert result.stderr.startswith("timeline: error: ") and message in result.stderr, \
        result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_a_stream_from_another_build_or_without_records_is_refused(tmp_path):
    stream = tmp_path / "stream.bin"
    subprocess.run([GEN, "10", str(stream)], check=True)
    data = bytearray(stream.read_bytes())
    data[12] ^= 0xff                                        # the table hash
    data[6:8] = (tracetool.fnv1a(bytes(data[8:32])) & 0xffff).to_bytes(2, "little")
    (tmp_path / "other.bin").write_bytes(bytes(data))
    result = tool(tmp_path / "other.bin", "--report")
    assert result.returncode == 2 and "different build" in result.stderr
    (tmp_path / "header.bin").write_bytes(stream.read_bytes()[:32])
    result = tool(tmp_path / "header.bin", "--report")
    assert result.returncode == 2 and "holds no events" in result.stderr


def test_a_poll_result_other_than_ready_or_pending_stays_visible(build, tmp_path, capsys):
    # Regression: result=result7 (from text, or one flipped payload byte of a raw stream)
    # made the slice kind poll_result7, a KeyError in --json and --svg.
    tl, doc = build(BOOT + ["1 poll_begin task=1", "1 poll_end task=1 result=result7"])
    events = check_trace_event_format(doc)
    poll = by_track(events, "keyboard (task 1)", "X")[-1]
    assert poll["name"] == "poll (unknown result 7)" and poll["cat"] == "poll_unknown"
    assert poll["args"]["result"] == "result7" and poll["cname"] == "bad"
    stream = tmp_path / "stream.bin"
    subprocess.run([GEN, "10", str(stream)], check=True)
    data = bytearray(stream.read_bytes())
    end = next(r for r in tracetool.decode(bytes(data), tracetool.EventTable())
               if getattr(r, "name", None) == "poll_end")
    data[end.offset + 6] = 7                     # header, task (u16), then the result byte
    stream.write_bytes(bytes(data))
    for options in (["--json", tmp_path / "t.json"], ["--svg", tmp_path / "t.svg"],
                    ["--report"]):
        rc, out, err = run([stream] + options, capsys)
        assert rc == 0 and err == "", err
    assert "poll (unknown result 7)" in (tmp_path / "t.json").read_text()
    assert "poll (unknown result 7)" in (tmp_path / "t.svg").read_text()


def test_a_tick_of_one_nanosecond_still_has_a_timeline(build):
    tl, doc = build(["0 boot version=0x100 tick_hz=1000000000", "1 idle", "2 idle"])
    assert tl.tick_ns == 1 and tl.ts == [0, 1, 2]
    assert timeline.window(tl, 1, 2) == (1, 3)


def test_usage_errors(tmp_path):
    result = tool(tmp_path / "x")
    assert result.returncode == 2 and "nothing to do" in result.stderr
    assert "Traceback" not in result.stderr
    result = tool("--help")
    assert result.returncode == 0
    for words in ("T * P + k * P / n", "--from-event", "sequence numbers", "--long-poll"):
        assert words in result.stdout


def test_every_event_the_tool_reads_is_in_the_table():
    """The names and fields timeline.py interprets, checked against trace/events.def."""
    table = {e.name: {n for _, n in e.fields} for e in tracetool.EventTable()}
    source = open(TOOL).read()
    for name in set(re.findall(r'name == "(\w+)"', source)):
        assert name in table, "timeline.py reads %s, which events.def lacks" % name
    fields = set(re.findall(r'value\(r, "(\w+)"\)', source)) | \
        set(re.findall(r'r\.values\["(\w+)"\]', source))
    every = set().union(*table.values())
    assert fields <= every, fields - every


# ---- a real key press: the kernel booted, `sendkey a` through the QEMU monitor ----

@pytest.fixture(scope="module")
def key_press_trace():
    directory = tempfile.mkdtemp(prefix="lockstep-timeline-", dir=BUILD)
    console, monitor, trace = (os.path.join(directory, n)
                               for n in ("console.log", "monitor.sock", "trace.bin"))
    argv = qemu.command(KERNEL, console_log=console, monitor=monitor, trace_out=trace)
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_for(text):
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(console) and text in open(console, errors="replace").read():
                return
            time.sleep(0.05)
        raise AssertionError("%r never appeared on COM1" % text)
    try:
        try:
            wait_for(PROMPT)
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(10)
                s.connect(monitor)
                s.sendall(b"sendkey a\n")
                time.sleep(0.3)
            wait_for(PROMPT + "a")
            time.sleep(0.3)                         # let the idle loop drain the trace
        finally:
            process.kill()
            process.wait(timeout=10)
        yield trace
    finally:
        shutil.rmtree(directory, ignore_errors=True)     # whether QEMU came up or not


def test_a_real_key_press_draws_an_arrow_from_the_interrupt_to_the_keyboard_task(
        key_press_trace, tmp_path, capsys):
    text, root = svg_of(key_press_trace, capsys, tmp_path)
    bands = lanes(root)
    keyboard = next(label for label in bands if label.startswith("keyboard (task "))
    assert {"interrupts", "cpu / idle", "ready queue"} <= set(bands)
    from_irq = [a for a in arrows(root)
                if bands["interrupts"][0] < a[1] < bands["interrupts"][1]
                and bands[keyboard][0] < a[3] < bands[keyboard][1]]
    assert from_irq and all("by irq33" in a[4] for a in from_irq)


def test_a_real_key_press_as_chrome_json(key_press_trace, build):
    tl, doc = build(key_press_trace)
    events = check_trace_event_format(doc)
    assert covered(events) == {r.seq for r in tl.records}
    tid = {n: t for t, n in tracks(events).items()}
    keyboard = next(t for n, t in tid.items() if n.startswith("keyboard (task "))
    flows = collections.defaultdict(dict)
    for e in events:
        if e["ph"] in "sf":
            flows[e["id"]][e["ph"]] = e["tid"]
    assert {"s": tid["interrupts"], "f": keyboard} in flows.values()


def test_a_capture_with_bytes_before_its_header_frame_is_read_as_a_stream(tmp_path):
    # Regression: only a sync frame made bytes that are not text count as a late-started
    # stream; with no sync frame yet, a header frame after them was refused as "no 'L' ff
    # 'TRAC' header or sync frame", though tools/trace.py decodes it.
    stream = tmp_path / "stream.bin"
    subprocess.run([GEN, "10", str(stream)], check=True)
    assert tracetool.SYNC_MAGIC not in stream.read_bytes()
    (tmp_path / "late.bin").write_bytes(b"\xff\xfe\x00" + stream.read_bytes())
    result = tool(tmp_path / "late.bin", "--report")
    assert result.returncode == 0, result.stderr
    assert "# truncated at byte 0: stream starts without its header; skipping 3 bytes" \
        in result.stdout, result.stdout
