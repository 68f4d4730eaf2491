#!/usr/bin/python3
"""Timelines of Lockstep traces: Chrome Trace Event JSON, a static SVG, a lint report.
Run by hand or by `make timeline CASE=name`; tested by tests/unit/test_timeline.py.
Invariant: every record of the trace is in the JSON (args.seq, and args.end_seq of a
slice, name the records each event stands for).

  timeline.py TRACE [--json OUT.json] [--svg OUT.svg] [--report]
              [--from TICK] [--to TICK] [--from-event SEQ] [--to-event SEQ]
              [--long-poll TICKS] [--width PIXELS]

TRACE is a raw COM2 capture (build/trace.bin; it starts with the frame 'L' ff 'TRAC') or
the decoded text of `tools/trace.py decode` (golden traces). Event names and fields come
from trace/events.def through tools/trace.py; see docs/trace-format.md and docs/executor.md.

--json  Chrome Trace Event format, for https://ui.perfetto.dev or chrome://tracing. Tracks:
        "interrupts" (irq_enter..irq_exit, nested), "cpu / idle" (idle from an `idle` record
        to the next record, kernel wakes, marks), one per task (poll_begin..poll_end, named
        and coloured by result: ready green, pending orange, any other "poll (unknown
        result N)" olive; named by task_spawn, or "task N" if spawned before the capture).
        Flow arrows run from each wake to the next poll_begin of the task it woke. Counter
        "ready queue": tasks spawned or woken and not yet polled. Drops, exceptions and
        stream notes are instant events.
--svg   the same timeline as a static picture, limited to a window: --from/--to in ticks
        (inclusive), --from-event/--to-event in sequence numbers (the SEQ column). Slices
        narrower than a few pixels merge into one rectangle per lane; arrows are capped.
--report  tokio-console style lints, to standard output: long polls (more than
        --long-poll traced ticks), lost wakes (a task woken, not already queued, never
        polled although the CPU then idles or a later tick begins), self-wakes, the
        ready queue's peak, drops, the decoder's notes about corruption, and untraced
        stretches (the timer is traced every tick, so records more than a tick apart
        mean tracing was off or events were lost).

Time. A record carries only the PIT tick, so the k-th of the n records of tick T is
placed at  T * P + k * P / n  microseconds, where P is the tick period (1e6 / tick_hz of
the boot record; 10000 at 100 Hz): records keep their order, a tick's records never reach
the next tick, and the same trace always draws the same picture. Lengths inside a tick
show order, not measured time. A stream note (corruption, resync, truncation) is a gap:
slices open there end at it, and wakes still queued are no longer followed. After a
restart (a second stream header) ticks go on from the first run's last tick.

Exit status: 0; 2 if TRACE cannot be read (missing, empty, neither form, another build, a
malformed line, a boot record's tick_hz above 10^9) or an output cannot be written.
"""
import argparse
import collections
import json
import os
import re
import sys
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trace as tracetool                    # noqa: E402  tools/trace.py, not the stdlib's

TraceError = tracetool.TraceError
NS_PER_S = 1000000000
DEFAULT_HZ = 100
IRQ, CPU = "irq", "cpu"                      # lane keys; a task's lane is its id (an int)
FIXED_LANES = {IRQ: "interrupts", CPU: "cpu / idle"}
NOTE = re.compile(r"^#\s*(\w+) at byte (\d+): (.*)$")   # Note.text() of tools/trace.py
DIGITS = re.compile(r"[0-9]+")               # ASCII only: isdigit() takes "²", int() "١"
# There is no heap event yet: when events.def gains one whose name starts with "heap" and
# that has a `used` field, its values become the "heap used" counter; until then, none.
HEAP_PREFIX, HEAP_FIELD = "heap", "used"


# ---- reading: a raw stream or its decoded text, both into tools/trace.py items ----

def read_trace(path, table):
    """Records and notes of the file at `path`; raises TraceError if it is not a trace."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise TraceError("cannot read %s: %s" % (path, err.strerror or err))
    if not data.strip():
        raise TraceError("%s is empty: no trace to show" % path)
    if data.startswith(tracetool.HEADER_MAGIC) or data.startswith(tracetool.SYNC_MAGIC):
        items = list(tracetool.decode(data, table))
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and "\0" not in text:
            items = parse_text(text, table, path)
        elif any(magic in data for magic in tracetool.FRAME_MAGICS):   # started late
            items = list(tracetool.decode(data, table))
        else:
            raise TraceError("%s is neither a trace stream (no 'L' ff 'TRAC' header or sync "
                             "frame) nor decoded trace text" % path)
    if not any(isinstance(i, tracetool.Record) for i in items):
        notes = [i.text() for i in items]
        raise TraceError("%s holds no events%s" % (path, (": " + notes[0]) if notes else ""))
    return items


def parse_value(field_type, text):
    """The raw value of a field as tools/trace.py's show() printed it; ValueError if not."""
    size, style = tracetool.TYPES[field_type]
    if style == "str":
        return text.encode("ascii", "replace")[:size].ljust(size, b"\0")
    number = text
    if style == "waker":                             # kernel, irqN, taskN (docs/executor.md)
        if text == "kernel":
            number = "0"
        for prefix, flag in (("irq", 0x8000), ("task", 0)):
            rest = text[len(prefix):]
            if text.startswith(prefix) and DIGITS.fullmatch(rest):
                number = str(flag | int(rest))
    elif style == "result":
        names = {"pending": "0", "ready": "1"}
        number = names.get(text, text[len("result"):] if text.startswith("result") else text)
    elif style == "sysno":                           # a syscall's name, or its number
        names = {name: n for n, name in tracetool.SYSCALL_NAMES().items()}
        number = str(names.get(text, text))
    elif style == "sret" and text.startswith("-"):   # -EFAULT or -99: a negated errno
        names = {name: n for n, name in tracetool.ERRNO_NAMES().items()}
        errno = names.get(text[1:], int(text[1:]) if DIGITS.fullmatch(text[1:]) else None)
        if errno is None:
            raise ValueError(text)
        number = str((1 << 64) - errno)
    if not number.isascii():                         # int() would take "٣" as 3
        raise ValueError(text)
    value = int(number, 16 if style == "hex" else 10)
    if not 0 <= value < 1 << (8 * size):
        raise ValueError(text)
    return value


def parse_text(text, table, where):
    """Items of decoded text (`SEQ TICK EVENT field=value...`, '#' notes)."""
    events = {e.name: e for e in table}
    items = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            m = NOTE.match(line)
            if m:                                    # other '#' lines are comments
                items.append(tracetool.Note(m.group(1), int(m.group(2)), m.group(3)))
            continue
        parts = line.split()
        if parts[0] == "SEQ":                        # the column heading the docs show
            continue
        here = "%s:%d" % (where, number)
        if len(parts) < 3 or not DIGITS.fullmatch(parts[0]) or not DIGITS.fullmatch(parts[1]):
            raise TraceError("%s: expected 'SEQ TICK EVENT field=value...', not %r"
                             % (here, line[:60]))
        event = events.get(parts[2])
        if event is None:
            raise TraceError("%s: unknown event %r (not in trace/events.def)"
                             % (here, parts[2][:30]))
        types = {name: t for t, name in event.fields if not name.startswith("_")}
        given, last = {}, None
        for token in parts[3:]:
            name, eq, shown_value = token.partition("=")
            if eq and name in types and name not in given:
                given[name], last = shown_value, name
            elif last and tracetool.TYPES[types[last]][1] == "str":
                given[last] += " " + token           # a task name with a space in it
            else:
                raise TraceError("%s: %r is not a field of %s" % (here, token[:30], event.name))
        values = []
        for field_type, name in event.fields:
            if name.startswith("_"):
                values.append(0)
                continue
            if name not in given and field_type == "sysarg":
                values.append(0)                     # not shown: the syscall has fewer
                continue
            if name not in given:
                raise TraceError("%s: %s lacks its field %r" % (here, event.name, name))
            try:
                values.append(parse_value(field_type, given[name]))
            except (ValueError, KeyError):
                raise TraceError("%s: %s=%r is not a %s" % (here, name, given[name][:30],
                                                            field_type))
        items.append(tracetool.Record(int(parts[0]), int(parts[1]), event, values))
    return items


# ---- the model: lanes, slices, instants, wakes and counters, in nanoseconds ----

def value(record, name):
    return record.values[name][1]


def shown(record):
    """The record's fields for JSON args and tooltips: numbers stay numbers."""
    out = {}
    for name, (field_type, raw) in record.values.items():
        style = tracetool.TYPES[field_type][1]
        out[name] = raw if style == "dec" else tracetool.show(field_type, raw)
    return out


class Timeline:
    """One pass over the items builds everything the outputs draw.

    slices:   dicts lane, begin, end (ns), kind, name, depth, seq, end_seq, args
    instants: dicts lane, ts, kind, name, seq (None for notes), args, scope (t or g)
    wakes:    dicts seq, ts, mid, lane, task, waker, state, poll_ts, poll_mid, poll_seq
              state: polled, coalesced (the task was queued already), dead (it had
              exited), gap (a stream gap came first), lost, queued_at_end
    """

    def __init__(self, items, source="trace"):
        self.source = source
        self.records = [i for i in items if isinstance(i, tracetool.Record)]
        boot = next((r for r in self.records if r.name == "boot" and "tick_hz" in r.values
                     and value(r, "tick_hz")), None)
        self.hz = value(boot, "tick_hz") if boot else DEFAULT_HZ
        if self.hz > NS_PER_S:                       # a tick would last 0 ns: no timeline
            raise TraceError("the boot record (seq %d) gives tick_hz=%d: a tick shorter than "
                             "a nanosecond cannot be placed in time" % (boot.seq, self.hz))
        self.tick_ns = NS_PER_S // self.hz
        self._place()
        self.names, self.tasks = {}, set()
        self.slices, self.instants, self.wakes = [], [], []
        self.ready, self.heap = [(self.begin, 0)], []
        self.notes, self.drops = [], []
        self.polls = collections.defaultdict(list)   # task -> its closed poll slices
        self._build(items)

    def _place(self):
        """Timeline ticks (monotonic across a restart) and a time for every record."""
        ticks, offset, last = [], 0, None
        for r in self.records:
            t = r.tick + offset
            if last is not None and t < last:        # a new stream header: the kernel rebooted
                offset += last - t
                t = last
            ticks.append(t)
            last = t
        count = collections.Counter(ticks)
        self.ticks, self.ts = ticks, []
        # The timer interrupt is recorded every tick while tracing is on, so records more
        # than a tick apart mean untraced time (tracing off, or events lost in a gap).
        self.untraced, self.hidden, hidden = [], [], 0
        for n, t in enumerate(ticks):
            if n and t - ticks[n - 1] > 1:
                hidden += t - ticks[n - 1] - 1
                self.untraced.append((n, ticks[n - 1], t))
            self.hidden.append(hidden)
        k, previous = 0, None
        for t in ticks:
            k = k + 1 if t == previous else 0
            previous = t
            self.ts.append(t * self.tick_ns + k * self.tick_ns // count[t])
        self.begin = ticks[0] * self.tick_ns
        self.end = (ticks[-1] + 1) * self.tick_ns

    def label(self, lane):
        """A lane's label: a task is named by its task_spawn, else "task N"."""
        if lane in FIXED_LANES:
            return FIXED_LANES[lane]
        name = self.names.get(lane)
        return "%s (task %d)" % (name, lane) if name else "task %d" % lane

    def lane_order(self):
        return [IRQ, CPU] + sorted(self.tasks)

    def _lane(self, task):
        self.tasks.add(task)
        return task

    def _build(self, items):
        irqs, running = [], {}                       # open IRQ slices; task -> open poll
        current = []                                 # tasks with an open poll, innermost last
        queued = {}                                  # task -> wakes waiting for its next poll
        exited = set()
        index, last_idle = -1, -1

        def now_lane():
            return IRQ if irqs else current[-1] if current else CPU

        def depth(lane):
            return len(irqs) if lane == IRQ else 0 if lane == CPU else int(lane in running)

        def set_ready(ts):
            if self.ready[-1][1] != len(queued):
                self.ready.append((ts, len(queued)))

        def close(s, end, end_seq=None, why=None):
            s["end"], s["end_seq"] = end, end_seq
            if why:
                s["args"] = dict(s["args"], unfinished=why)
            self.slices.append(s)

        def unfinished_poll(task, end, why):
            s = running.pop(task)
            s["kind"], s["name"] = "poll_open", "poll (unfinished)"
            measure(s, index)
            close(s, end, why=why)
            self.polls[task].append(s)

        def measure(s, end):
            """A poll's length in ticks, and how many of them no record covers."""
            s["ticks"] = self.ticks[end] - self.ticks[s["index"]]
            s["untraced"] = self.hidden[end] - self.hidden[s["index"]]

        def stop(ts, why):
            """A stream gap or the end: close what is open, judge the wakes still queued.
            A queued wake is lost if the CPU went idle or a later tick began after it."""
            for s in reversed(irqs):
                close(s, ts, why=why)
            irqs.clear()
            for task in list(running):
                unfinished_poll(task, ts, why)
            current.clear()
            tick = self.ticks[index] if index >= 0 else None
            for wakes in queued.values():
                for w in wakes:
                    if w["state"] == "queued":
                        w["state"] = "lost" if last_idle > w["index"] or tick > w["tick"] \
                            else "gap" if why.startswith("stream") else "queued_at_end"
            queued.clear()
            set_ready(ts)

        for item in items:
            if isinstance(item, tracetool.Note):
                ts = self.ts[index + 1] if index + 1 < len(self.ts) else self.end
                self.notes.append(item)
                self.instants.append(dict(lane=CPU, ts=ts, kind="note", scope="g", seq=None,
                                          name="%s: %s" % (item.kind, item.message),
                                          args={"note": item.kind, "offset": item.offset,
                                                "message": item.message}))
                stop(ts, "stream %s" % item.kind)
                continue
            index += 1
            r, ts = item, self.ts[index]
            nxt = self.ts[index + 1] if index + 1 < len(self.ts) else self.end
            args = dict(shown(r), seq=r.seq, tick=r.tick)
            name = r.name

            def instant(kind, lane=None, scope="t", label=None):
                self.instants.append(dict(lane=now_lane() if lane is None else lane, ts=ts,
                                          kind=kind, scope=scope, seq=r.seq, args=args,
                                          name=label or r.text().split(None, 2)[2]))

            if name == "irq_enter":
                irqs.append(dict(lane=IRQ, begin=ts, kind="irq", depth=len(irqs), seq=r.seq,
                                 name="irq%d %d" % (value(r, "vector"), value(r, "data")),
                                 args=args))
            elif name == "irq_exit":
                vector = value(r, "vector")
                at = next((n for n in range(len(irqs) - 1, -1, -1)
                           if irqs[n]["args"]["vector"] == vector), None)
                if at is None:
                    instant("orphan", IRQ, label="irq_exit vector=%d (enter not in trace)"
                            % vector)
                    continue
                while len(irqs) > at + 1:
                    close(irqs.pop(), ts, why="no irq_exit recorded")
                s = irqs.pop()
                s["args"] = dict(s["args"], end_seq=r.seq)
                close(s, ts, r.seq)
            elif name == "poll_begin":
                task = self._lane(value(r, "task"))
                if task in running:
                    unfinished_poll(task, ts, "no poll_end recorded")
                    current.remove(task)
                for w in queued.pop(task, []):
                    w.update(poll_ts=ts, poll_mid=(ts + nxt) // 2, poll_seq=r.seq,
                             state="coalesced" if w["state"] == "coalesced" else "polled")
                set_ready(ts)
                running[task] = dict(lane=task, begin=ts, kind="poll_open", depth=0,
                                     seq=r.seq, name="poll", args=args, index=index)
                current.append(task)
            elif name == "poll_end":
                task = self._lane(value(r, "task"))
                if task not in running:
                    instant("orphan", task, label="poll_end (begin not in trace)")
                    continue
                current.remove(task)
                s = running.pop(task)
                result = tracetool.show(*r.values["result"])
                if result in ("ready", "pending"):
                    s["kind"], s["name"] = "poll_" + result, "poll " + result
                else:                                # damage, or a result this tool predates
                    s["kind"] = "poll_unknown"
                    s["name"] = "poll (unknown result %d)" % value(r, "result")
                s["args"] = dict(s["args"], end_seq=r.seq, result=result)
                measure(s, index)
                close(s, ts, r.seq)
                self.polls[task].append(s)
            elif name == "wake":
                task, waker = self._lane(value(r, "task")), value(r, "waker")
                lane = IRQ if waker & 0x8000 else self._lane(waker) if waker else now_lane()
                w = dict(seq=r.seq, index=index, tick=self.ticks[index], ts=ts,
                         mid=(ts + nxt) // 2, lane=lane, task=task, waker=waker,
                         waker_text=tracetool.show(*r.values["waker"]), poll_ts=None, args=args,
                         state="queued", self_wake=waker == task)
                if task in exited:
                    w["state"] = "dead"                  # the executor ignores it
                elif task in queued:
                    w["state"] = "coalesced"
                    queued[task].append(w)
                else:
                    queued[task] = [w]
                    set_ready(ts)
                self.wakes.append(w)
                self.slices.append(dict(lane=lane, begin=ts, end=nxt, kind="wake",
                                        depth=depth(lane), seq=r.seq, end_seq=None,
                                        name="wake " + self.label(task), args=args))
            elif name == "task_spawn":
                task = self._lane(value(r, "task"))
                self.names[task] = tracetool.show(*r.values["name"]) or None
                exited.discard(task)
                instant("spawn", task, label="spawn %s" % (self.names[task] or task))
                if task not in queued:                   # task_spawn queues it, unwoken
                    queued[task] = []
                    set_ready(ts)
            elif name == "task_exit":
                task = self._lane(value(r, "task"))
                exited.add(task)
                for w in queued.pop(task, []):
                    w["state"] = "dead"
                set_ready(ts)
                instant("exit", task)
            elif name == "idle":
                last_idle = index
                self.slices.append(dict(lane=CPU, begin=ts, end=nxt, kind="idle", depth=0,
                                        seq=r.seq, end_seq=None, name="idle", args=args))
            elif name == "drop":
                self.drops.append(r)
                instant("drop", CPU, "g", "drop: %d events lost" % value(r, "count"))
            elif name == "exception":
                instant("exception", scope="g")
            else:
                if name.startswith(HEAP_PREFIX) and HEAP_FIELD in r.values:
                    self.heap.append((ts, value(r, HEAP_FIELD)))
                instant("boot" if name == "boot" else "event")
        stop(self.end, "still open at the end of the trace")
        for w in self.wakes:                         # the wake slice's args tell its outcome
            w["args"]["outcome"] = w["state"]
            if w["poll_ts"] is not None:
                w["args"]["poll_seq"] = w["poll_seq"]
        self.slices.sort(key=lambda s: (s["begin"], -s["end"], s["depth"]))


# ---- Chrome Trace Event JSON ----

# Catapult's reserved colour names (chrome://tracing refuses others; Perfetto colours by name).
CNAME = {"irq": "thread_state_runnable", "poll_ready": "thread_state_running",
         "poll_pending": "thread_state_iowait", "poll_open": "generic_work",
         "poll_unknown": "bad",
         "idle": "thread_state_sleeping", "wake": "rail_animation", "drop": "terrible",
         "exception": "terrible", "note": "bad", "orphan": "bad"}


def us(ns):
    """Nanoseconds as the format's microseconds, exact to the nanosecond."""
    return ns // 1000 if ns % 1000 == 0 else ns / 1000


def chrome_trace(tl):
    """The timeline as a Trace Event format object (a dict ready for json.dump)."""
    pid = 1
    tids = {lane: n for n, lane in enumerate(tl.lane_order(), 1)}
    events = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
               "args": {"name": "Lockstep %s" % os.path.basename(tl.source)}}]
    for lane, tid in tids.items():
        events.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                       "args": {"name": tl.label(lane)}})
        events.append({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
                       "args": {"sort_index": tid}})
    for s in tl.slices:
        events.append({"ph": "X", "name": s["name"], "cat": s["kind"], "pid": pid,
                       "tid": tids[s["lane"]], "ts": us(s["begin"]),
                       "dur": us(s["end"] - s["begin"]), "cname": CNAME[s["kind"]],
                       "args": s["args"]})
    for i in tl.instants:
        e = {"ph": "i", "s": i["scope"], "name": i["name"], "cat": i["kind"], "pid": pid,
             "tid": tids[i["lane"]], "ts": us(i["ts"]), "args": i["args"]}
        if i["kind"] in CNAME:
            e["cname"] = CNAME[i["kind"]]
        events.append(e)
    # Flow arrows, each bound to the slice enclosing its point: the wake's own slice, and
    # the poll slice (its point lies before the poll's first nested record).
    flow = 0
    for w in tl.wakes:
        if w["poll_ts"] is None:
            continue
        flow += 1
        common = {"name": "wake", "cat": "wake", "id": flow, "pid": pid}
        events.append(dict(common, ph="s", tid=tids[w["lane"]], ts=us(w["mid"])))
        events.append(dict(common, ph="f", bp="e", tid=tids[w["task"]], ts=us(w["poll_mid"])))
    for ts, n in tl.ready:
        events.append({"ph": "C", "name": "ready queue", "pid": pid, "ts": us(ts),
                       "args": {"tasks": n}})
    for ts, n in tl.heap:
        events.append({"ph": "C", "name": "heap used", "pid": pid, "ts": us(ts),
                       "args": {HEAP_FIELD: n}})
    return {"traceEvents": events, "displayTimeUnit": "ms",
            "otherData": {"source": tl.source, "tick_hz": tl.hz,
                          "time": "tick T, k-th of n records in it: T*%d + k*%d/n us"
                                  % (tl.tick_ns // 1000, tl.tick_ns // 1000)}}


# ---- SVG ----

COLOR = {"irq": "#4c72b0", "poll_ready": "#55a868", "poll_pending": "#dd8452",
         "poll_open": "#8c8c8c", "poll_unknown": "#bcbd22", "idle": "#aab4c3",
         "idle_band": "#eef1f6",
         "wake": "#6a3d9a", "lost": "#d62728", "drop": "#d62728", "exception": "#8b0000",
         "note": "#9467bd", "orphan": "#d62728", "spawn": "#2ca02c", "exit": "#222222",
         "event": "#555555", "boot": "#222222", "counter": "#4c72b0"}
KIND_TEXT = {"irq": "interrupts", "poll_ready": "polls (ready)", "poll_pending":
             "polls (pending)", "poll_open": "unfinished polls",
             "poll_unknown": "polls (unknown result)", "idle": "idle periods"}
LABEL_W, RIGHT_W, LANE_H, COUNTER_H, DEPTH_STEP = 180, 16, 30, 40, 4
NARROW_PX = 3.0          # slices narrower than this merge with neighbours under 1 px away
MAX_ARROWS = 1500        # after merging arrows that land on the same pixels


def window(tl, from_tick=None, to_tick=None, from_seq=None, to_seq=None):
    """(begin, end) in ns of the SVG's window; TraceError if it holds no records."""
    begin, end = tl.begin, tl.end
    if from_tick is not None:
        begin = max(begin, from_tick * tl.tick_ns)
    if to_tick is not None:
        end = min(end, (to_tick + 1) * tl.tick_ns)
    inside = [n for n, r in enumerate(tl.records)
              if (from_seq is None or r.seq >= from_seq) and (to_seq is None or r.seq <= to_seq)]
    if inside and from_seq is not None:
        begin = max(begin, tl.ts[inside[0]])
    if inside and to_seq is not None and inside[-1] + 1 < len(tl.ts):
        end = min(end, tl.ts[inside[-1] + 1])
    if not inside or begin >= end or not any(begin <= tl.ts[n] < end for n in inside):
        raise TraceError("the window holds no records (the trace spans ticks %d-%d, "
                         "seq %d-%d)" % (tl.ticks[0], tl.ticks[-1], tl.records[0].seq,
                                         tl.records[-1].seq))
    return begin, end


def merge(rects):
    """Runs of narrow rectangles (x0, x1, item) less than a pixel apart become one
    (x0, x1, [items]); wide ones stay alone. Bounds the output by the plot's width."""
    out = []
    for x0, x1, item in rects:
        narrow = x1 - x0 < NARROW_PX
        if out and narrow and out[-1][3] and x0 - out[-1][1] < 1.0:
            out[-1][1] = max(out[-1][1], x1)
            out[-1][2].append(item)
        else:
            out.append([x0, x1, [item], narrow])
    return [(x0, x1, items) for x0, x1, items, _ in out]


def shade(color, depth):
    """`color` lightened for each level of nesting, so a nested IRQ stands out."""
    mix = min(0.2 * depth, 0.6)
    return "#" + "".join("%02x" % round(int(color[n:n + 2], 16) * (1 - mix) + 255 * mix)
                         for n in (1, 3, 5))


def nice_step(span):
    """A 1-2-5 step giving about ten labels over `span` ticks."""
    step = 1
    while span / step > 12:
        for factor in (2, 2.5, 2):
            step = int(step * factor)
            if span / step <= 12:
                break
    return step


class Picture:
    """The SVG of one window of a timeline. The layout is fixed first; then each layer is
    drawn, bottom to top: lanes and axis, idle, slices, instants, untraced stretches,
    arrows, counters; then the title and the legend."""

    def __init__(self, tl, begin, end, width):
        self.tl, self.begin, self.end, self.width = tl, begin, end, width
        self.scale = (width - LABEL_W - RIGHT_W) / (end - begin)
        self.out, self.notes = [], []
        self.slices = [s for s in tl.slices if s["begin"] < end and s["end"] > begin]
        depth = collections.Counter()
        for s in self.slices:
            if s["kind"] != "wake":
                depth[s["lane"]] = max(depth[s["lane"]], s["depth"])
        self.counters = [("ready queue", tl.ready, "tasks")]
        if tl.heap:                                  # only when a heap event exists
            self.counters.append(("heap used", tl.heap, HEAP_FIELD))
        self.top = y = 64
        self.bands = collections.OrderedDict()      # lane or counter -> (label, y, height)
        for lane in tl.lane_order():
            height = LANE_H + 2 * DEPTH_STEP * depth[lane]
            self.bands[lane] = (tl.label(lane), y, height)
            y += height
        for name, _, _ in self.counters:
            self.bands[name] = (name, y, COUNTER_H)
            y += COUNTER_H
        self.bottom = y

    def x(self, ns):
        return LABEL_W + (min(max(ns, self.begin), self.end) - self.begin) * self.scale

    def mid(self, lane):
        return self.bands[lane][1] + self.bands[lane][2] / 2

    def text(self, tx, ty, s, anchor="start", size=11, fill="#222", weight=None):
        extra = ' font-weight="%s"' % weight if weight else ""
        self.out.append('<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%d" fill="%s"%s>'
                        '%s</text>' % (tx, ty, anchor, size, fill, extra, escape(s)))

    def rect(self, x0, y0, w, h, fill, title, extra=""):
        self.out.append('<rect x="%.2f" y="%.1f" width="%.2f" height="%.1f" fill="%s"%s>'
                        '<title>%s</title></rect>' % (x0, y0, w, h, fill, extra, escape(title)))

    def full_height(self, x0, x1, fill, title=None):
        self.out.append('<rect x="%.2f" y="%d" width="%.2f" height="%.1f" fill="%s">%s</rect>'
                        % (x0, self.top, max(x1 - x0, 0.5), self.bottom - self.top, fill,
                           "<title>%s</title>" % escape(title) if title else ""))

    def lanes_and_axis(self):
        tick_ns = self.tl.tick_ns
        for n, (label, y, height) in enumerate(self.bands.values()):
            self.out.append('<rect class="lane" x="0" y="%.1f" width="%d" height="%.1f" '
                            'fill="%s"><title>%s</title></rect>' % (
                                y, self.width, height, "#f6f7f9" if n % 2 == 0 else "#ffffff",
                                escape(label)))
            self.text(LABEL_W - 8, y + height / 2 + 4, label, "end", 12)
        first, last = self.begin // tick_ns, -(-self.end // tick_ns)
        step = nice_step(max(1, (self.end - self.begin) / tick_ns))
        for t in range(first - first % step, last + 1, step):
            if self.begin <= t * tick_ns <= self.end:
                gx = self.x(t * tick_ns)
                self.out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#d5d9e0" '
                                'stroke-width="0.6"/>' % (gx, self.top - 4, gx, self.bottom))
                self.text(gx, self.top - 8, str(t), "middle", 10, "#555")
        self.text(LABEL_W - 16, self.top - 8, "tick (%g ms)" % (tick_ns / 1e6), "end", 10,
                  "#555")
        self.out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>'
                        % (LABEL_W, self.top - 4, self.width - RIGHT_W, self.top - 4))

    def idle(self):
        """A light band over every lane; the cpu lane's own rectangle comes with the slices."""
        spans = [(self.x(s["begin"]), self.x(s["end"]), s) for s in self.slices
                 if s["kind"] == "idle"]
        for x0, x1, _ in merge(spans):
            self.full_height(x0, x1, COLOR["idle_band"])

    def slice_layer(self):
        """IRQs, polls and idle; nested ones inset; narrow neighbours merged."""
        groups, merged = collections.defaultdict(list), 0
        for s in self.slices:
            if s["kind"] != "wake":
                groups[(s["lane"], s["kind"], s["depth"])].append(
                    (self.x(s["begin"]), self.x(s["end"]), s))
        for (lane, kind, d), spans in sorted(groups.items(), key=lambda g: (g[0][2], str(g[0]))):
            _, y, height = self.bands[lane]
            ry, rh = y + 4 + d * DEPTH_STEP, max(4, height - 8 - 2 * d * DEPTH_STEP)
            for x0, x1, items in merge(spans):
                w = max(x1 - x0, 1.2)                # a poll stays visible when zoomed out
                first = items[0]
                if len(items) > 1:
                    merged += len(items)
                    self.rect(x0, ry, w, rh, shade(COLOR[kind], d), "%d %s, ticks %d-%d" % (
                        len(items), KIND_TEXT.get(kind, kind), first["args"]["tick"],
                        items[-1]["args"]["tick"]))
                    continue
                self.rect(x0, ry, w, rh, shade(COLOR[kind], d), "%s: %s, seq %d%s, tick %d" % (
                    self.tl.label(lane), first["name"], first["seq"],
                    "" if first["end_seq"] is None else "-%d" % first["end_seq"],
                    first["args"]["tick"]), ' stroke="#ffffff" stroke-width="0.5"' if w > 2 else "")
                label = {"irq": first["name"], "poll_ready": "ready", "poll_pending": "pending",
                         "poll_open": "unfinished"}.get(kind)
                if label and kind == "irq" and w <= 6.5 * len(label) + 6:
                    label = label.split()[0]         # the vector without the payload
                if label and w > 6.5 * len(label) + 6:
                    self.text(x0 + w / 2, ry + rh / 2 + 4, label, "middle", 10,
                              "#ffffff" if d == 0 else "#14213d")
        if merged:
            self.notes.append("%d slices narrower than %g px merged" % (merged, NARROW_PX))

    def instants(self):
        """Drops, exceptions and stream notes across every lane; the rest as short ticks."""
        seen = set()
        for i in self.tl.instants:
            if not self.begin <= i["ts"] < self.end:
                continue
            ix = self.x(i["ts"])
            if (i["lane"], i["kind"], int(ix)) in seen:
                continue
            seen.add((i["lane"], i["kind"], int(ix)))
            color, title = COLOR[i["kind"]], escape(i["name"])
            if i["scope"] == "g":
                self.out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="%s" '
                                'stroke-dasharray="3,2"><title>%s</title></line>'
                                % (ix, self.top, ix, self.bottom, color, title))
                self.out.append('<path d="M%.1f,%d l-5,-7 h10 z" fill="%s"><title>%s</title>'
                                '</path>' % (ix, self.top, color, title))
            else:
                y = self.bands[i["lane"]][1]
                self.out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" '
                                'stroke-width="1.5"><title>%s (seq %s)</title></line>'
                                % (ix, y + 1, ix, y + 8, color, title, i["seq"]))

    def untraced(self):
        """Hatched, so that a poll across untraced time does not read as a long poll."""
        for _, a, b in self.tl.untraced:
            x0, x1 = self.x((a + 1) * self.tl.tick_ns), self.x(b * self.tl.tick_ns)
            if x1 > x0:
                self.full_height(x0, x1, "url(#untraced)", "ticks %d-%d: no records (tracing "
                                 "off, or events lost)" % (a + 1, b - 1))
                if x1 - x0 > 60:
                    self.text((x0 + x1) / 2, self.top + 12, "untraced", "middle", 10, "#444")

    def arrows(self):
        """Each wake to the poll it caused (dashed if it coalesced into an earlier wake);
        lost wakes as a cross. Returns (wakes in view, arrows drawn)."""
        arrows, total = {}, 0
        for w in self.tl.wakes:
            if w["poll_ts"] is not None and w["ts"] < self.end and w["poll_ts"] >= self.begin:
                total += 1
                key = (round(self.x(w["ts"])), w["lane"], round(self.x(w["poll_ts"])), w["task"])
                arrows.setdefault(key, []).append(w)
        drawn = sorted(arrows.items(), key=lambda a: a[0][0])[:MAX_ARROWS]
        if len(arrows) > MAX_ARROWS:
            self.notes.append("%d of %d wake arrows drawn: narrow the window for the rest"
                              % (MAX_ARROWS, len(arrows)))
        for (_, src, _, dst), ws in drawn:
            w = ws[0]
            x1, y1, x2, y2 = self.x(w["ts"]), self.mid(src), self.x(w["poll_ts"]), self.mid(dst)
            if src == dst:                           # a self-wake: a loop over the lane
                y1 = y2 = self.bands[src][1] + 4
                path = "M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f" % (
                    x1, y1, x1, y1 - 12, x2, y2 - 12, x2, y2)
            else:                                    # from edge to edge of the rectangles
                down = y2 > y1
                y1 = self.bands[src][1] + (self.bands[src][2] - 4 if down else 4)
                y2 = self.bands[dst][1] + (4 if down else self.bands[dst][2] - 4)
                path = "M%.1f,%.1f L%.1f,%.1f" % (x1, y1, x2, y2)
            title = "; ".join("wake %s by %s (seq %d) -> poll seq %d" % (
                self.tl.label(v["task"]), v["waker_text"], v["seq"], v["poll_seq"])
                for v in ws[:4])
            dashed = all(v["state"] == "coalesced" for v in ws)
            self.out.append('<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>'
                            % (x1, y1, COLOR["wake"]))
            self.out.append('<path class="wake" d="%s" fill="none" stroke="%s" stroke-width="1.3"'
                            '%s marker-end="url(#arrowhead)"><title>%s</title></path>' % (
                                path, COLOR["wake"], ' stroke-dasharray="3,2"' if dashed else "",
                                escape(title)))
        for w in self.tl.wakes:
            if w["state"] == "lost" and self.begin <= w["ts"] < self.end:
                self.out.append('<path class="lost-wake" d="M%.1f,%.1f l8,8 m0,-8 l-8,8" '
                                'stroke="%s" stroke-width="2"><title>lost wake: %s woken by %s '
                                '(seq %d), never polled</title></path>' % (
                                    self.x(w["ts"]) - 4, self.mid(w["task"]) - 4, COLOR["lost"],
                                    escape(self.tl.label(w["task"])), escape(w["waker_text"]),
                                    w["seq"]))
        return total, len(drawn)

    def counter_layer(self):
        """Step lines of each pixel column's largest value, scaled to the window's peak."""
        for name, samples, unit in self.counters:
            _, y, height = self.bands[name]
            columns, current = {}, 0
            for ts, v in samples:
                if ts < self.begin:
                    current = v
                elif ts < self.end:
                    col = int(self.x(ts))
                    columns[col] = (max(columns.get(col, (0, 0))[0], v), v)
            peak = max([current, 1] + [high for high, _ in columns.values()])

            def level(v):
                return y + height - 4 - v * (height - 10) / peak
            points = ["M%d,%.1f" % (LABEL_W, level(current))]
            points += ["H%d V%.1f V%.1f" % (col, level(high), level(final))
                       for col, (high, final) in columns.items()]
            points.append("H%d" % (self.width - RIGHT_W))
            self.out.append('<path d="%s" fill="none" stroke="%s" stroke-width="1.2"><title>'
                            '%s (%s), at most %d here</title></path>'
                            % (" ".join(points), COLOR["counter"], name, unit, peak))
            self.text(self.width - RIGHT_W - 2, y + 11, "max %d" % peak, "end", 10, "#555")

    def legend(self):
        entries = [("rect", COLOR["irq"], "interrupt"),
                   ("rect", COLOR["poll_ready"], "poll: ready"),
                   ("rect", COLOR["poll_pending"], "poll: pending"),
                   ("rect", COLOR["poll_open"], "poll: unfinished"),
                   ("rect", COLOR["idle"], "idle"), ("arrow", COLOR["wake"], "wake -> poll"),
                   ("dash", COLOR["wake"], "coalesced"), ("cross", COLOR["lost"], "lost wake"),
                   ("mark", COLOR["drop"], "drop / exception"),
                   ("mark", COLOR["note"], "stream note"),
                   ("line", COLOR["counter"], "ready queue"), ("rect", "url(#untraced)",
                                                               "untraced")]
        lx, ly = 8, self.bottom + 22
        for shape, color, label in entries:
            if lx + 24 + 7 * len(label) > self.width:
                lx, ly = 8, ly + 18
            if shape == "rect":
                self.out.append('<rect x="%d" y="%d" width="16" height="10" fill="%s" '
                                'stroke="#ccc" stroke-width="0.5"/>' % (lx, ly - 9, color))
            elif shape == "cross":
                self.out.append('<path d="M%d,%d l8,8 m0,-8 l-8,8" stroke="%s" '
                                'stroke-width="2"/>' % (lx + 4, ly - 8, color))
            elif shape == "mark":
                self.out.append('<path d="M%d,%d l-5,-7 h10 z" fill="%s"/>' % (lx + 8, ly, color))
            else:
                self.out.append('<path d="M%d,%d h14" stroke="%s" stroke-width="1.5"%s/>' % (
                    lx, ly - 4, color, ' marker-end="url(#arrowhead)"' if shape == "arrow" else
                    ' stroke-dasharray="3,2"' if shape == "dash" else ""))
            self.text(lx + 20, ly, label)
            lx += 30 + int(6.5 * len(label))
        return ly + 12

    def svg(self):
        tl = self.tl
        self.lanes_and_axis()
        self.idle()
        self.slice_layer()
        self.instants()
        self.untraced()
        wakes, arrows = self.arrows()
        self.counter_layer()
        height = self.legend()
        shown = [n for n, t in enumerate(tl.ts) if self.begin <= t < self.end]
        source = os.path.basename(tl.source)
        self.text(8, 18, "Lockstep timeline: %s" % source, size=14, weight="bold")
        summary = "ticks %d-%d, %d of %d records (seq %d-%d), %d wakes as %d arrows" % (
            self.begin // tl.tick_ns, (self.end - 1) // tl.tick_ns, len(shown), len(tl.records),
            tl.records[shown[0]].seq, tl.records[shown[-1]].seq, wakes, arrows)
        self.text(8, 36, "; ".join([summary] + self.notes), fill="#444")
        head = [
            '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'viewBox="0 0 %d %d" font-family="sans-serif">'
            % (self.width, height, self.width, height),
            '<title>%s</title>' % escape("Lockstep timeline: " + source),
            '<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" '
            'fill="%s"/></marker>' % COLOR["wake"],
            '<pattern id="untraced" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff" '
            'fill-opacity="0.55"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9aa3ad" '
            'stroke-width="1.5"/></pattern></defs>',
            '<rect width="%d" height="%d" fill="#ffffff"/>' % (self.width, height)]
        return "\n".join(head + self.out + ["</svg>", ""])


def render_svg(tl, begin, end, width=1200):
    """A self-contained SVG (no scripts, no fonts but generic ones) of the timeline
    between `begin` and `end` (ns, from window()). Cannot fail."""
    return Picture(tl, begin, end, width).svg()


# ---- the report ----

def report(tl, long_poll=5, limit=10):
    """tokio-console style lints as text; never fails."""
    lines = []
    add = lines.append

    def listing(title, entries):
        add("  %s: %s" % (title, len(entries) if entries else "none"))
        for entry in entries[:limit]:
            add("    " + entry)
        if len(entries) > limit:
            add("    ... and %d more" % (len(entries) - limit))

    def where(item):
        return "seq %d tick %d" % (item["seq"], item["args"]["tick"])

    first, last = tl.records[0], tl.records[-1]
    add("timeline report: %s" % tl.source)
    add("  %d events (seq %d-%d), ticks %d-%d at %d Hz, %d tasks, %d stream notes"
        % (len(tl.records), first.seq, last.seq, tl.ticks[0], tl.ticks[-1], tl.hz,
           len(tl.tasks), len(tl.notes)))
    add("")
    add("tasks")
    add("  %-24s %6s %6s %8s %6s %6s %6s %8s" % ("task", "polls", "ready", "pending", "wakes",
                                                  "self", "busy", "longest"))
    woken = collections.Counter(w["task"] for w in tl.wakes)
    selfs = collections.Counter(w["task"] for w in tl.wakes if w["self_wake"])
    for task in sorted(tl.tasks):
        polls = tl.polls[task]
        add("  %-24s %6d %6d %8d %6d %6d %6d %8d" % (
            tl.label(task)[:24], len(polls), sum(p["kind"] == "poll_ready" for p in polls),
            sum(p["kind"] == "poll_pending" for p in polls), woken[task], selfs[task],
            sum(p["ticks"] - p["untraced"] for p in polls),
            max([p["ticks"] - p["untraced"] for p in polls] + [0])))
    add("  (busy and longest: traced ticks spent polling; self: wakes the task gave itself)")
    add("")
    add("lints")
    listing("long polls (more than %d ticks without yielding)" % long_poll, [
        "%s: %s polled for %d ticks%s" % (where(p), tl.label(task), p["ticks"] - p["untraced"],
                                          " (%s)" % p["args"]["unfinished"]
                                          if p["kind"] == "poll_open" else "")
        for task in sorted(tl.tasks) for p in tl.polls[task]
        if p["ticks"] - p["untraced"] > long_poll])
    listing("lost wakes (woken, not already queued, never polled while the trace goes on)", [
        "seq %d tick %d: %s woken by %s, no poll_begin follows" % (
            w["seq"], w["args"]["tick"], tl.label(w["task"]), w["waker_text"])
        for w in tl.wakes if w["state"] == "lost"])
    listing("self-wakes", [
        "%s: %d of its %d wakes (%d%%)" % (tl.label(task), n, woken[task],
                                           100 * n // woken[task])
        for task, n in sorted(selfs.items())])
    peak, at = max(((n, ts) for ts, n in tl.ready), key=lambda p: (p[0], -p[1]))
    record = next((r for r, t in zip(tl.records, tl.ts) if t >= at), tl.records[-1])
    add("  ready queue: at most %d task%s, first at seq %d tick %d; %d at the end of the "
        "trace" % (peak, "" if peak == 1 else "s", record.seq, record.tick, tl.ready[-1][1]))
    lost = sum(value(r, "count") for r in tl.drops)
    listing("drops (%d events lost)" % lost, [
        "seq %d tick %d: %d events lost" % (r.seq, r.tick, value(r, "count")) for r in tl.drops])
    listing("stream notes (decoder)", [n.text() for n in tl.notes])
    listing("untraced stretches (records more than a tick apart: tracing off, or lost)", [
        "ticks %d-%d, before seq %d" % (a, b, tl.records[n].seq) for n, a, b in tl.untraced])
    pending = [w for w in tl.wakes if w["state"] == "queued_at_end"]
    dead = [w for w in tl.wakes if w["state"] == "dead"]
    gaps = [w for w in tl.wakes if w["state"] == "gap"]
    add("")
    add("also: %d wake%s still queued when the trace stops, %d of exited tasks (ignored), "
        "%d cut off by a stream gap" % (len(pending), "" if len(pending) == 1 else "s",
                                        len(dead), len(gaps)))
    return "\n".join(lines) + "\n"


# ---- command line ----

def write(path, text):
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    except OSError as err:
        raise TraceError("cannot write %s: %s" % (path, err.strerror or err))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="timeline.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trace", metavar="TRACE", help="raw COM2 capture or decoded text")
    parser.add_argument("--json", metavar="OUT.json", help="write Chrome Trace Event JSON")
    parser.add_argument("--svg", metavar="OUT.svg", help="write a static SVG")
    parser.add_argument("--report", action="store_true", help="print the lints")
    group = parser.add_argument_group("SVG window (the JSON always holds the whole trace)")
    group.add_argument("--from", dest="from_tick", type=int, metavar="TICK",
                       help="first tick shown")
    group.add_argument("--to", dest="to_tick", type=int, metavar="TICK",
                       help="last tick shown (inclusive)")
    group.add_argument("--from-event", type=int, metavar="SEQ",
                       help="first record shown, by sequence number")
    group.add_argument("--to-event", type=int, metavar="SEQ",
                       help="last record shown, by sequence number (inclusive)")
    group.add_argument("--width", type=int, default=1200, metavar="PIXELS",
                       help="the picture's width (default 1200)")
    parser.add_argument("--long-poll", type=int, default=5, metavar="TICKS",
                        help="report polls longer than this (default 5 ticks)")
    args = parser.parse_args(argv)
    if not (args.json or args.svg or args.report):
        parser.error("nothing to do: give --json OUT.json, --svg OUT.svg or --report")
    if args.width < 400:
        parser.error("--width must be at least 400")

    try:
        items = read_trace(args.trace, tracetool.EventTable())
        tl = Timeline(items, args.trace)
        if args.json:
            write(args.json, json.dumps(chrome_trace(tl), separators=(",", ":")))
        if args.svg:
            begin, end = window(tl, args.from_tick, args.to_tick, args.from_event,
                                args.to_event)
            write(args.svg, render_svg(tl, begin, end, args.width))
        if args.report:
            sys.stdout.write(report(tl, args.long_poll))
    except TraceError as err:
        print("timeline: error: %s" % err, file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
