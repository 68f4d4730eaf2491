#!/usr/bin/python3
"""Decode Lockstep trace streams (the bytes the kernel writes to COM2).

  trace.py decode FILE [--json] [--out OUT]   one event per line (text or JSON lines)
  trace.py capture [--seconds N] [--kernel ELF] [--out FILE]
                                              boot headless, record COM2 to FILE (replaced
                                              only by a capture that holds a stream), decode
  trace.py table                              the event table, from trace/events.def
  trace.py doc [--check]                      regenerate the event list of the docs

The event table is parsed from trace/events.def, the same file the kernel is built from,
and its hash must match the one in the stream, so a stream from another build is refused
rather than misread. Text format (docs/trace-format.md): `SEQ TICK EVENT field=value...`;
lines starting with '#' report drops, corruption, resynchronisation, a damaged tick and
truncation (an empty stream too). The summary on standard error gives the kernel's run
mode (normal, record, replay) from the stream's header frame.

Exit status: 0 once the stream is decoded, whatever notes it needed; 2 for an error (a
file that cannot be read or written, a stream from another build, bad arguments).
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

import generated
import qemu
import syscalls

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS_DEF = os.path.join(ROOT, "trace", "events.def")
TRACE_H = os.path.join(ROOT, "trace", "trace.h")            # enum trace_run_mode

HEADER_MAGIC = b"L\xffTRAC"
SYNC_MAGIC = b"L\xffSYNC"
FRAME_MAGICS = (HEADER_MAGIC, SYNC_MAGIC)
FRAME_SIZE = 32
FRAME_ID = 0xff                        # byte 1 of a frame; no event has this id
STREAM_VERSION = 1

# The field types of events.def: size in bytes and how each is shown.
TYPES = {
    "u8": (1, "dec"), "u16": (2, "dec"), "u32": (4, "dec"),
    "x32": (4, "hex"), "x64": (8, "hex"), "str16": (16, "str"),
    "waker": (2, "waker"), "result": (1, "result"),
    "sysno": (2, "sysno"), "sret": (8, "sret"), "sysarg": (8, "hex"),
    "tick": (4, "dec"),                # the full tick: decode() takes it as the current one
}
STRUCT_CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}


class TraceError(Exception):
    """A problem the user must fix (bad table, stream from another build, bad file)."""


class Event:
    def __init__(self, event_id, name, fields):
        self.id = event_id
        self.name = name
        self.fields = fields                       # [(type, name)]
        self.size = sum(TYPES[t][0] for t, _ in fields)
        # The index of the `tick` field, or None: the full tick of records (drop, resume)
        # that may come any number of ticks after the record before.
        self.tick_field = next((n for n, (t, _) in enumerate(fields) if t == "tick"), None)


class EventTable:
    """The events of trace/events.def, and the table hash the kernel computes."""

    LINE = re.compile(r"^\s*TRACE_EVENT\(\s*(\w+)\s*,\s*(\w+)\s*(?:,(.*))?\)\s*$")
    FIELD = re.compile(r"FIELD\(\s*(\w+)\s*,\s*(\w+)\s*\)")

    def __init__(self, path=EVENTS_DEF):
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as err:
            raise TraceError("cannot read the event table: %s" % err)
        # Drop comments but keep line numbers for messages.
        text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
        self.events = {}
        canonical = []
        for number, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            where = "%s:%d" % (os.path.relpath(path, ROOT), number)
            m = self.LINE.match(line)
            if not m:
                raise TraceError("%s: expected TRACE_EVENT(id, name, FIELD(type, name)...)"
                                 % where)
            id_token, name, rest = m.group(1), m.group(2), m.group(3) or ""
            fields = self.FIELD.findall(rest)
            if self.FIELD.sub("", rest).strip():
                raise TraceError("%s: only FIELD(type, name) may follow the name" % where)
            for field_type, _ in fields:
                if field_type not in TYPES:
                    raise TraceError("%s: unknown field type %r" % (where, field_type))
            if not re.fullmatch(r"0x[0-9a-fA-F]+|[1-9][0-9]*|0", id_token):
                raise TraceError("%s: id %s is not a decimal or 0x hexadecimal number"
                                 % (where, id_token))
            event_id = int(id_token, 0)
            if not 0 < event_id < 255 or event_id in self.events:
                raise TraceError("%s: id %s is out of range or used twice" % (where, id_token))
            event = Event(event_id, name, fields)
            if event.size % 4:
                raise TraceError("%s: payload of %s is not a multiple of 4 bytes" % (where, name))
            self.events[event_id] = event
            canonical.append("%s:%s:%s;" % (id_token, name,
                                            "".join("%s %s," % f for f in fields)))
        self.hash = fnv1a("".join(canonical).encode())

    def __iter__(self):
        return iter(sorted(self.events.values(), key=lambda e: e.id))


def fnv1a(data):
    h = 2166136261
    for byte in data:
        h = ((h ^ byte) * 16777619) & 0xffffffff
    return h


class Record:
    """One decoded event: seq, tick, name, an ordered dict of visible fields, and the
    byte offset of its record in the stream."""

    def __init__(self, seq, tick, event, values, offset=None):
        self.seq, self.tick, self.name, self.offset = seq, tick, event.name, offset
        self.values = {}
        args = 0                            # sysarg fields: as many as the syscall takes
        for (field_type, name), value in zip(event.fields, values):
            if field_type == "sysno":
                args = SYSCALL_ARGS().get(value, 3)
            if field_type == "sysarg":
                args -= 1
                if args < 0:
                    continue
            if not name.startswith("_"):
                self.values[name] = (field_type, value)

    def text(self):
        parts = ["%7d %9d %s" % (self.seq, self.tick, self.name)]
        parts += ["%s=%s" % (name, show(t, v)) for name, (t, v) in self.values.items()]
        return " ".join(parts)

    def json(self):
        d = {"seq": self.seq, "tick": self.tick, "event": self.name}
        for name, (field_type, value) in self.values.items():
            d[name] = show(field_type, value) if field_type in ("waker", "result", "str16") \
                else value
        return json.dumps(d)


class Header:
    """A header frame the decoder believed (decode(..., headers=True)): a run starts here.
    `mode` is its byte 24, the kernel's run mode: where its interrupts came from."""

    def __init__(self, offset, tick_hz, ring_words, mode):
        self.offset, self.tick_hz, self.ring_words, self.mode = offset, tick_hz, ring_words, mode

    @property
    def mode_name(self):
        """"normal", "record" or "replay"; "unknown (N)" for a value trace.h lacks."""
        return RUN_MODES().get(self.mode, "unknown (%d)" % self.mode)


class Note:
    """Something about the stream rather than an event: '# ...' in text output."""

    def __init__(self, kind, offset, message):
        self.kind, self.offset, self.message = kind, offset, message

    def text(self):
        return "# %s at byte %d: %s" % (self.kind, self.offset, self.message)

    def json(self):
        return json.dumps({"note": self.kind, "offset": self.offset, "message": self.message})


def show(field_type, value):
    style = TYPES[field_type][1]
    if style == "hex":
        return "0x%x" % value
    if style == "str":
        return value.split(b"\0", 1)[0].decode("ascii", "replace")
    if style == "waker":
        if value == 0:
            return "kernel"
        return "irq%d" % (value & 0xff) if value & 0x8000 else "task%d" % value
    if style == "result":
        return {0: "pending", 1: "ready"}.get(value, "result%d" % value)
    if style == "sysno":                   # write, or the number if the table has none
        return SYSCALL_NAMES().get(value, str(value))
    if style == "sret":                    # 12, or -EFAULT for a negated errno
        if value >= 1 << 63:
            errno = (1 << 64) - value
            return "-" + ERRNO_NAMES().get(errno, str(errno))
        return str(value)
    return str(value)


def _cached(load):
    cache = []

    def get():
        if not cache:
            try:
                cache.append(load())
            except syscalls.SyscallError as err:
                raise TraceError(str(err))
        return cache[0]
    return get


SYSCALL_NAMES = _cached(lambda: {s.number: s.name for s in syscalls.load()})
SYSCALL_ARGS = _cached(lambda: {s.number: len(s.args) for s in syscalls.load()})
ERRNO_NAMES = _cached(syscalls.errno_names)


def run_modes(path=TRACE_H):
    """{value: name} of enum trace_run_mode in trace/trace.h, the header frame's mode byte:
    TRACE_MODE_RECORD = 1 gives {1: "record"}."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as err:
        raise TraceError("cannot read the run modes in %s: %s" % (path, err))
    modes = {int(value): name.lower() for name, value in
             re.findall(r"^\s*TRACE_MODE_(\w+)\s*=\s*(\d+)\b", text, re.M)}
    if not modes:
        raise TraceError("%s defines no TRACE_MODE_... = N, (enum trace_run_mode)" % path)
    return modes


RUN_MODES = _cached(run_modes)


def next_tick(tick, header, event, values):
    """A record's full tick, as every decoder works it out (the drain, trace tail,
    lockstep-trace): its own `tick` field if it has one (drop, resume: they may follow a
    gap of any length), else the last tick plus the 16-bit difference in its header."""
    if event.tick_field is not None:
        return values[event.tick_field]
    return tick + (((header >> 16) - tick) & 0xffff)


def unpack_fields(event, payload):
    values, offset = [], 0
    for field_type, _ in event.fields:
        size = TYPES[field_type][0]
        chunk = payload[offset:offset + size]
        values.append(chunk if field_type == "str16"
                      else struct.unpack("<" + STRUCT_CODES[size], chunk)[0])
        offset += size
    return values


def decode(data, table, headers=False):
    """Yield Record and Note items for the byte string `data`; with `headers`, a Header
    too for each header frame it believes, before the records of its run."""
    if not data:                       # said, as a stream without its header is
        yield Note("truncated", 0, "the stream is empty (no header, no records)")
        return
    pos, seq, tick, head = 0, None, None, None   # head: word position of the next record
    tick_from = None                   # first seq whose tick was worked out from `tick`
    lost_from = None                   # seq at the last corruption, to count the loss
    trusted = False                    # a frame with our table hash has been seen
    n = len(data)

    def foreign(frame_hash, what):
        """The first frame decides the build; later bad frames are just corruption."""
        if frame_hash == table.hash:
            return False
        if not trusted:
            check_hash(frame_hash, table)      # raises: a stream from another build
        return "%s with a wrong table hash" % what

    def corrupt(at, why):
        """Skip to the next frame: a sync frame goes on with this run, a header frame
        starts another one (a restart)."""
        nonlocal pos, seq, lost_from
        lost_from = seq if seq is not None else lost_from
        found = find_frame(data, at + 1)
        seq = None
        if found < 0:
            pos = n
            return Note("corrupt", at, "%s; no header or sync frame follows (%d bytes "
                        "skipped)" % (why, n - at))
        pos = found
        return Note("corrupt", at, "%s; skipping %d bytes to the next %s"
                    % (why, found - at, frame_kind(data, found)))

    while pos < n:
        if pos + 1 < n and data[pos + 1] == FRAME_ID:
            frame = data[pos:pos + FRAME_SIZE]
            if len(frame) < FRAME_SIZE:
                yield Note("truncated", pos, "stream ends inside a frame")
                return
            magic = frame[:6]
            if magic in FRAME_MAGICS and not frame_checks(frame):
                yield corrupt(pos, "damaged frame (check field does not match)")
                continue
            if magic == HEADER_MAGIC:
                version, size, table_hash, tick_hz, ring = struct.unpack("<HHIII", frame[8:24])
                if version != STREAM_VERSION and not trusted:
                    raise TraceError("stream format version %d; this decoder reads %d"
                                     % (version, STREAM_VERSION))
                bad = foreign(table_hash, "header frame") or (
                    version != STREAM_VERSION and "header frame with a wrong version") or \
                    impossible_header(size, ring)
                if bad:
                    yield corrupt(pos, bad)
                    continue
                trusted = True
                if seq is not None or lost_from is not None:   # in a run, or damage in one
                    yield Note("restart", pos, "a new stream header (the kernel rebooted?)")
                if headers:
                    yield Header(pos, tick_hz, ring, frame[24])
                seq, tick, head, lost_from, tick_from = 0, 0, 0, None, 0
                pos += FRAME_SIZE
                continue
            if magic == SYNC_MAGIC:
                table_hash, sync_seq, sync_head, sync_tick = struct.unpack("<IIQQ", frame[8:])
                bad = foreign(table_hash, "sync frame")
                if bad:
                    yield corrupt(pos, bad)
                    continue
                trusted = True
                if seq is None:
                    if lost_from is None:
                        yield Note("resync", pos, "stream joined at seq %d, tick %d"
                                   % (sync_seq, sync_tick))
                    elif sync_seq >= lost_from:
                        yield Note("resync", pos, "seq %d, tick %d: %d events lost"
                                   % (sync_seq, sync_tick, sync_seq - lost_from))
                    else:                      # not this run: a lost header began another
                        yield Note("resync", pos, "seq %d, tick %d: another run (seq went "
                                   "back from %d; its header frame was lost)"
                                   % (sync_seq, sync_tick, lost_from))
                elif sync_seq != seq or sync_head != head:
                    yield Note("gap", pos, "sync frame says seq %d at word %d, expected %d at %d"
                               % (sync_seq, sync_head, seq, head))
                elif sync_tick != tick:        # a damaged tick in a header or a tick field
                    yield Note("tick", pos, "sync frame says tick %d, expected %d: records "
                               "%d-%d carried ticks that disagree with it; going on from the "
                               "frame's" % (sync_tick, tick, tick_from, seq - 1))
                seq, tick, head, lost_from = sync_seq, sync_tick, sync_head, None
                tick_from = seq
                pos += FRAME_SIZE
                continue
            yield corrupt(pos, "bad frame magic")
            continue
        if seq is None:
            if pos == 0:
                found = find_frame(data, 0)
                yield Note("truncated", 0, "stream starts without its header; %s" %
                           ("skipping %d bytes to the first %s" % (found, frame_kind(data, found))
                            if found >= 0 else "no header or sync frame to start from"))
                pos = found if found >= 0 else n
            else:
                yield corrupt(pos, "record where a frame was expected")
            continue
        if pos + 4 > n:
            yield Note("truncated", pos, "stream ends inside a record header")
            return
        header = struct.unpack_from("<I", data, pos)[0]
        event = table.events.get((header >> 8) & 0xff)
        if event is None:
            yield corrupt(pos, "unknown event id %d" % ((header >> 8) & 0xff))
            continue
        if header & 0xff != head & 0xff:
            yield corrupt(pos, "position byte %d where %d was due" % (header & 0xff, head & 0xff))
            continue
        if pos + 4 + event.size > n:
            yield Note("truncated", pos, "stream ends inside a %s record" % event.name)
            return
        # The kernel never writes a frame inside a record, so a record that holds one
        # (whose check verifies: a magic alone may be payload) is damaged bytes misread, a
        # lost piece of stream having put the frame where a payload was due.
        if find_frame(data, pos + 1, pos + 4 + event.size) >= 0:
            yield corrupt(pos, "a %s record runs into a frame" % event.name)
            continue
        values = unpack_fields(event, data[pos + 4:pos + 4 + event.size])
        tick = next_tick(tick, header, event, values)
        if event.tick_field is not None:
            tick_from = seq
        yield Record(seq, tick, event, values, pos)
        seq += 1
        head += 1 + event.size // 4
        pos += 4 + event.size


def impossible_header(size, ring):
    """Why a header frame whose check matches still cannot be believed, or None: version 1
    frames are FRAME_SIZE bytes and the ring's capacity is a power of two of at least 16
    words (trace/ring.h). Such a header is treated as corrupt, never decoded from."""
    if size != FRAME_SIZE:
        return "header frame gives a frame size of %d bytes, not %d" % (size, FRAME_SIZE)
    if ring < 16 or ring & (ring - 1):
        return "header frame gives a ring of %d words, not a power of two of at least 16" \
            % ring
    return None


def frame_checks(frame):
    """True if `frame` (bytes from a frame magic on) is a whole frame whose check field is
    the low 16 bits of FNV-1a over its bytes 8-31."""
    return len(frame) >= FRAME_SIZE and \
        struct.unpack_from("<H", frame, 6)[0] == fnv1a(frame[8:FRAME_SIZE]) & 0xffff


def find_frame(data, start, end=None):
    """The offset of the first header or sync frame that begins in data[start:end] (to the
    end of data by default) and whose check verifies, or -1. Payloads carry any bytes, so a
    record may spell a frame's magic (an `exception` rip of 0x....434e5953ff4c does):
    only the check tells a frame from payload, with a 1/65536 chance of a false match."""
    end = len(data) if end is None else end
    found = -1
    for magic in FRAME_MAGICS:
        at = data.find(magic, start, end + len(magic) - 1)
        while 0 <= at < end and (found < 0 or at < found):
            if frame_checks(data[at:at + FRAME_SIZE]):
                found = at
                break
            at = data.find(magic, at + 1, end + len(magic) - 1)
    return found


def frame_kind(data, at):
    """What find_frame found at `at`."""
    return "header frame" if data.startswith(HEADER_MAGIC, at) else "sync frame"


def check_hash(stream_hash, table):
    if stream_hash != table.hash:
        raise TraceError("stream from a different build: its event table hash is 0x%08x, "
                         "trace/events.def here gives 0x%08x" % (stream_hash, table.hash))


def write_decoded(data, table, out, as_json=False):
    """Decode `data` to `out`; returns (events, dropped, notes, modes): modes names the run
    mode of each header frame, in stream order (the header itself is not written)."""
    events = dropped = notes = 0
    modes = []
    for item in decode(data, table, headers=True):
        if isinstance(item, Header):
            modes.append(item.mode_name)
            continue
        out.write((item.json() if as_json else item.text()) + "\n")
        if isinstance(item, Record):
            events += 1
            if item.name == "drop":
                dropped += item.values["count"][1]
        else:
            notes += 1
    return events, dropped, notes, modes


def write_output(data, table, path=None, as_json=False):
    """Decode `data` to the file at `path` (None: standard output), which is closed or
    flushed before returning (events, dropped, notes, modes); TraceError if it cannot be
    written, so no output is lost silently."""
    try:
        if path:
            with open(path, "w") as out:
                return write_decoded(data, table, out, as_json)
        counts = write_decoded(data, table, sys.stdout, as_json)
        sys.stdout.flush()
        return counts
    except BrokenPipeError:
        raise
    except OSError as err:
        if not path:                   # nothing more can reach it, not even at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise TraceError("cannot write %s: %s" % (path or "the decoded trace to standard "
                                                  "output", err.strerror or err))


def modes_summary(modes):
    """The run modes of a stream's header frames, one per run, for the summary line."""
    if not modes:
        return "run mode not given (no header frame)"
    return "run mode%s %s" % ("s" if len(modes) > 1 else "", ", ".join(modes))


def capture(seconds, kernel, out_path, deterministic=False):
    """Boot `kernel` headless for `seconds`, recording COM2, and return the stream. QEMU
    writes it to a file in a directory beside `out_path` (it opens, and so empties, its
    file before it can fail), renamed to `out_path` only once it holds a stream: a
    capture that fails (TraceError, saying what happened) leaves `out_path` as it was."""
    out_path = os.path.abspath(out_path)
    if os.path.isdir(out_path):
        raise TraceError("cannot write %s: it is a directory" % out_path)
    try:
        work = tempfile.TemporaryDirectory(prefix=".trace-capture-",
                                           dir=os.path.dirname(out_path))
    except FileNotFoundError:
        raise TraceError("cannot write %s: no directory %s" % (out_path,
                                                                os.path.dirname(out_path)))
    except OSError as err:
        raise TraceError("cannot write %s: %s" % (out_path, err.strerror or err))
    with work as tmp:
        partial = os.path.join(tmp, "trace.bin")
        argv = qemu.command(kernel, console_log=os.path.join(tmp, "console.log"),
                            trace_out=partial, deterministic=deterministic)
        try:
            process = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
        except OSError as err:
            raise TraceError("cannot run %s: %s" % (argv[0], err))
        try:                               # QEMU that refuses the kernel ends at once
            _, err = process.communicate(timeout=seconds)
            ended = "QEMU exited by itself"
        except subprocess.TimeoutExpired:
            process.terminate()
            _, err = process.communicate(timeout=10)
            ended = "QEMU was stopped after %g s," % seconds
        if process.returncode not in (0, -15):
            raise TraceError("QEMU failed: %s" % err.decode(errors="replace").strip())
        try:
            with open(partial, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise TraceError("%s before it had opened the trace file: nothing was captured "
                             "(QEMU takes a moment to start; give more --seconds)" % ended)
        except OSError as err:
            raise TraceError("cannot read the capture %s: %s" % (partial, err))
        if not data:
            raise TraceError("%s before the kernel wrote any trace to COM2: nothing was "
                             "captured (give more --seconds)" % ended)
        try:
            os.replace(partial, out_path)
        except OSError as err:
            raise TraceError("cannot write %s: %s" % (out_path, err.strerror or err))
    return data


DOC_BEGIN = "<!-- event table: generated by `tools/trace.py doc`; do not edit -->"
DOC_END = "<!-- end of the generated event table -->"


def event_table_markdown(table):
    """The event list of docs/trace-format.md, from trace/events.def."""
    lines = [DOC_BEGIN, "",
             "Event table hash: `0x%08x`." % table.hash, "",
             "| id | event | record bytes | fields (type) |", "| --- | --- | --- | --- |"]
    for e in table:
        fields = ", ".join("`%s` (%s)" % (n, t) for t, n in e.fields if not n.startswith("_"))
        lines.append("| %d | `%s` | %d | %s |" % (e.id, e.name, 4 + e.size, fields or "-"))
    return "\n".join(lines + ["", DOC_END])


def update_doc(path, table, check_only=False):
    """Rewrite the generated part of `path`; returns True if it was already current."""
    try:
        return generated.update(path, DOC_BEGIN, DOC_END, event_table_markdown(table),
                                check_only)
    except (ValueError, OSError) as err:
        raise TraceError(str(err))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("decode", help="decode a captured stream")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="JSON lines instead of text")
    p.add_argument("--out", help="write here instead of standard output")
    p = sub.add_parser("capture", help="boot headless, record COM2 and decode it")
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--kernel", default=os.path.join(ROOT, "build", "lockstep.elf"))
    p.add_argument("--out", default=os.path.join(ROOT, "build", "trace.bin"),
                   help="where to keep the raw stream")
    p.add_argument("--json", action="store_true")
    sub.add_parser("table", help="print the event table and its hash")
    p = sub.add_parser("doc", help="regenerate the event list in docs/trace-format.md")
    p.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args(argv)
    if args.command == "capture":
        qemu.check_seconds(parser, "--seconds", args.seconds)

    try:
        table = EventTable()
        if args.command == "table":
            print("event table hash 0x%08x" % table.hash)
            for e in table:
                print("%3d %-14s %2d bytes  %s" % (e.id, e.name, 4 + e.size,
                      " ".join("%s:%s" % f for f in e.fields if not f[1].startswith("_"))))
            return 0
        if args.command == "doc":
            path = os.path.join(ROOT, "docs", "trace-format.md")
            current = update_doc(path, table, check_only=args.check)
            print("%s is %s" % (os.path.relpath(path, ROOT), "current" if current else
                                "out of date" if args.check else "updated"))
            return 0 if current or not args.check else 1
        if args.command == "capture":
            if not os.path.exists(args.kernel):
                raise TraceError("%s does not exist (run `make` first)" % args.kernel)
            data = capture(args.seconds, args.kernel, args.out)
        else:
            try:
                with open(args.file, "rb") as f:
                    data = f.read()
            except OSError as err:
                raise TraceError("cannot read %s: %s" % (args.file, err))
        events, dropped, notes, modes = write_output(data, table, args.out if args.command
                                                     == "decode" else None, args.json)
        print("trace: %d events, %d dropped, %d stream notes, %d bytes (%.2f bytes/event), %s"
              % (events, dropped, notes, len(data), len(data) / events if events else 0,
                 modes_summary(modes)), file=sys.stderr)
    except TraceError as err:
        print("trace: error: %s" % err, file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
